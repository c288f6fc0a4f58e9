import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, describe, expect, it } from "vitest";
import { type NatsCluster, startNatsCluster } from "./nats-cluster.js";
import { waitFor } from "./ports.js";

let cluster: NatsCluster | undefined;
afterAll(async () => {
  await cluster?.dispose();
});

describe("startNatsCluster", () => {
  it("forms one JetStream cluster whose R3 stream survives its leader's SIGKILL, and takes the node back", async () => {
    cluster = await startNatsCluster();
    expect(cluster.nodes.map((n) => n.name)).toEqual(["n1", "n2", "n3"]);
    expect(cluster.urls.split(",")).toHaveLength(3);
    await cluster.waitForJetStream();

    const nc = await cluster.connect();
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const created = await jsm.streams.add({ name: "FAILOVER", subjects: ["failover.>"], num_replicas: 3 });
    expect(created.config.num_replicas).toBe(3);
    await js.publish("failover.1", "1");

    const first = await cluster.streamLeader("FAILOVER");
    const followers = cluster.nodes.filter((n) => n !== first).map((n) => n.name);
    const info = await jsm.streams.info("FAILOVER");
    expect(info.cluster?.replicas?.map((r) => r.name).sort()).toEqual(followers.sort());

    await first.kill();
    const second = await cluster.streamLeader("FAILOVER");
    expect(second).not.toBe(first);
    // The client's connection may have been to the killed node: it moves to another one and publishes there.
    const ack = await waitFor(async () => js.publish("failover.2", "2", { timeout: 2000 }).catch(() => undefined), {
      what: "a publish acknowledged by the new leader",
      timeoutMs: 20_000,
    });
    expect(ack.seq).toBe(2);

    await first.restart();
    await cluster.waitForJetStream();
    // The restarted node is a replica again, current with the two messages it missed none of.
    await waitFor(
      async () => {
        const i = await jsm.streams.info("FAILOVER").catch(() => undefined);
        const back = i?.cluster?.replicas?.find((r) => r.name === first.name);
        return i?.state.messages === 2 && back?.current === true && !back.offline;
      },
      { what: `${first.name} current again`, timeoutMs: 20_000 },
    );
    await nc.close();
  });
});
