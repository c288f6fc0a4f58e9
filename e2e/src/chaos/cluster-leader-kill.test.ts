import { consumers, topology } from "@igdm/contracts";
import { type NatsClusterNode, waitFor } from "@igdm/testkit";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
const PREFIX = "mid.chaos.cluster.";
let stack: ChaosStack;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  stack = await startChaosStack({ nats: "cluster" });
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

/** A node's own copy of a stream (from its monitoring endpoint), not the leader's answer. */
async function localStreamState(node: NatsClusterNode, stream: string) {
  const res = await fetch(`${node.monitorUrl}/jsz?accounts=true&streams=true`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const jsz = (await res.json()) as {
    account_details?: { stream_detail?: { name: string; state: { messages: number; last_seq: number } }[] }[];
  };
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream)?.state;
}

async function everyServiceReady(): Promise<boolean> {
  for (const p of stack.pipeline.processes) {
    const res = await fetch(`${stack.pipeline.opsUrl(p)}/ready`).catch(() => undefined);
    if (!res?.ok) return false;
  }
  return true;
}

async function replicasOf(jsm: JetStreamManager, stream: string) {
  const info = await jsm.streams.info(stream);
  return { configured: info.config.num_replicas, peers: 1 + (info.cluster?.replicas?.length ?? 0) };
}

describe("the WEBHOOKS stream leader of a three-node JetStream cluster SIGKILLed under load, then restarted", () => {
  it("keeps every stream, consumer and bucket at three replicas", async () => {
    const cluster = stack.cluster!;
    nc = await cluster.connect();
    const jsm = await jetstreamManager(nc);
    const t = topology(stack.pipeline.namespace);
    for (const stream of Object.values(t.streams)) {
      expect(await replicasOf(jsm, stream), stream).toEqual({ configured: 3, peers: 3 });
    }
    for (const bucket of Object.values(t.kv)) {
      expect(await replicasOf(jsm, `KV_${bucket}`), bucket).toEqual({ configured: 3, peers: 3 });
    }
    for (const d of Object.values(consumers(t))) {
      const info = await jsm.consumers.info(d.stream, d.config.durable_name).catch(() => undefined);
      // Only the durables of services in this stack exist; each one that does inherits the stream's three.
      if (!info) continue;
      expect(1 + (info.cluster?.replicas?.length ?? 0), d.config.durable_name).toBe(3);
    }
  });

  // A consumer leader killed with acks in flight redelivers them after ack_wait (a minute for the persister).
  it("loses no acknowledged webhook, stores none twice, replies once, and the services ride it out", {
    timeout: 180_000,
  }, async () => {
    const cluster = stack.cluster!;
    const t = topology(stack.pipeline.namespace);
    const pids = stack.pipeline.processes.map((p) => `${p.name}:${p.child.pid}`);

    const load = stack.load(PREFIX, { total: TOTAL });
    await load.reached(TOTAL * 0.3);
    const victim = await cluster.streamLeader(t.streams.webhooks);
    const eventsLeader = await cluster.streamLeader(t.streams.events);
    console.log(`killing ${victim.name} (WEBHOOKS leader); EVENTS led by ${eventsLeader.name}`);
    await victim.kill();
    const successor = await cluster.streamLeader(t.streams.webhooks);
    expect(successor.name).not.toBe(victim.name);
    // The load goes on against two nodes.
    await load.reached(TOTAL * 0.7);
    await victim.restart();
    await cluster.waitForJetStream();
    console.log(`${successor.name} took over WEBHOOKS; ${victim.name} restarted`);
    const deliveries = await load.done;
    await stack.settle();

    const report = await stack.check("cluster stream leader SIGKILL and restart under load", deliveries, {
      midPrefix: PREFIX,
    });
    const failed = await stack.pipeline.db.sql<{ reason: string; n: number }[]>`
      select left(reason, 100) as reason, count(*)::int as n from outbound_sends where status = 'failed' group by 1`;
    for (const f of failed) console.log(`  sends recorded failed: ${f.n} × ${f.reason}`);
    expect(report.neverAcknowledged).toBe(0);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.replies).toMatchObject({ expected: TOTAL, atMeta: TOTAL, lost: 0, duplicated: 0 });
    expect(await stack.leakedSecrets()).toEqual([]);

    // The same processes, none restarted or exited, and every one ready (connected) again.
    expect(stack.pipeline.processes.map((p) => `${p.name}:${p.child.pid}`)).toEqual(pids);
    expect(stack.pipeline.processes.every((p) => p.child.exitCode === null)).toBe(true);
    await waitFor(everyServiceReady, { what: "every service's /ready OK", timeoutMs: 30_000 });

    // The restarted node caught up: its own copy of each stream holds what the leader holds.
    const jsm = await jetstreamManager(nc!, { checkAPI: false });
    for (const stream of [t.streams.webhooks, t.streams.events]) {
      await waitFor(
        async () => {
          const info = await jsm.streams.info(stream).catch(() => undefined);
          const replica = info?.cluster?.replicas?.find((r) => r.name === victim.name);
          const local = await localStreamState(victim, stream);
          return (
            info !== undefined &&
            (info.cluster?.leader === victim.name || (replica?.current === true && !replica.offline)) &&
            local?.last_seq === info.state.last_seq &&
            local.messages === info.state.messages
          );
        },
        { what: `${victim.name}'s copy of ${stream} current`, timeoutMs: 30_000 },
      );
    }
  });
});
