import { consumers, RawWebhook, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, type SentMessage, startMetaSandbox } from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  connectTestNats,
  instagramTextWebhook,
  malformedBodies,
  metaSignedRequest,
  type NatsServerHandle,
  readStream,
  type ServiceProcess,
  type StoredMessage,
  signedRequestForm,
  startNatsServer,
  waitFor,
} from "@igdm/testkit";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Day, dayOfWebhooks } from "./day-of-webhooks.js";
import { COUNTED_TABLES } from "./expected-rows.js";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, type ServiceName, startPipeline } from "./pipeline.js";
import {
  type ReplayStart,
  readWithTemporaryConsumer,
  replayDurable,
  republish,
  type ShippedConsumer,
  shippedConsumers,
} from "./replay-operations.js";
import { waitUntilSettled } from "./settle.js";

/**
 * docs/replay.md, performed: a day of traffic, then every durable of the normalizer, persister and responder
 * removed and re-added from the shipped nats/consumers files with a new start (24 hours ago with the services
 * running; a sequence with them stopped), a temporary consumer read and one raw webhook republished. Nothing may
 * change: not a row, not a timestamp, not a reply.
 */

const DAY_MS = 24 * 3_600_000;
const STREAMS = ["WEBHOOKS", "EVENTS", "DLQ"] as const;
const WORKERS: ServiceName[] = ["normalizer", "persister", "responder"];

let natsServer: NatsServerHandle;
let sandbox: MetaSandbox;
let pipeline: Pipeline;
let nc: NatsConnection;
let jsm: JetStreamManager;
let js: JetStreamClient;
let day: Day;
let before: Snapshot;

beforeAll(async () => {
  // A private server and no namespace: the shipped files name stream WEBHOOKS and subject igdm.webhooks.raw, and
  // apply here exactly as in production. NATS_URL points the testkit helpers (settling) of this test file's own
  // process at it.
  natsServer = await startNatsServer();
  process.env.NATS_URL = natsServer.url;
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "token-refresher", ...WORKERS],
    env: { ...sandbox.env, APP_SECRET },
    nats: { url: natsServer.url, namespace: "" },
  });
  nc = await connectTestNats();
  jsm = await jetstreamManager(nc);
  js = jetstream(nc);
  await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
  await pipeline.db.sql`insert into auto_reply_rules (account_id, kind, match, keyword, reply, priority)
    values (${SANDBOX_SHOP_IG_ID}, 'keyword', 'contains', 'price', 'Prices are on our website.', 10)`;
}, 90_000);
afterAll(async () => {
  await nc?.close();
  await pipeline?.stop();
  await sandbox?.close();
  await natsServer?.dispose();
});

interface Snapshot {
  /** Every row of every table, as JSON text, sorted: content and timestamps. */
  tables: Record<string, string[]>;
  sent: SentMessage[];
}

async function snapshot(): Promise<Snapshot> {
  const { sql } = pipeline.db;
  const tables: Record<string, string[]> = {};
  const names = await sql<{ name: string }[]>`select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
  for (const { name } of names) {
    const rows = await sql<{ row: string }[]>`select to_jsonb(t)::text as row from ${sql(name)} t order by 1`;
    tables[name] = rows.map((r) => r.row);
  }
  return { tables, sent: [...sandbox.state.sentMessages] };
}

const lastSeqs = async () => Promise.all(STREAMS.map(async (s) => (await jsm.streams.info(s)).state.last_seq));

/** Every durable drained, and nothing stored meanwhile: no work left that could still write or send. */
async function settle(): Promise<void> {
  for (;;) {
    const seqs = await lastSeqs();
    await waitUntilSettled(pipeline.namespace, 90_000);
    const drained = await Promise.all(
      shippedConsumers().map(async ({ stream, config }) => {
        const info = await jsm.consumers.info(stream, config.durable_name);
        return info.num_pending + info.num_ack_pending === 0;
      }),
    );
    if (drained.every(Boolean) && JSON.stringify(await lastSeqs()) === JSON.stringify(seqs)) return;
  }
}

/**
 * Each re-added durable delivered (at least) and acknowledged every stored message of its filter from its start.
 * Counted from the stream itself: the server's num_pending of a just-created 2.9 durable is not always exact.
 */
async function expectReplayed(
  durables: ShippedConsumer[],
  stored: Record<string, StoredMessage[]>,
  fromSeq: (d: ShippedConsumer) => number,
): Promise<void> {
  const counts: Record<string, number> = {};
  for (const d of durables) {
    const filter = d.config.filter_subject;
    const matches = (s: string) => (filter.endsWith(".>") ? s.startsWith(filter.slice(0, -1)) : s === filter);
    const due = stored[d.stream]!.filter((m) => m.seq >= fromSeq(d) && matches(m.subject));
    const info = await jsm.consumers.info(d.stream, d.config.durable_name);
    expect(info.delivered.consumer_seq, d.config.durable_name).toBeGreaterThanOrEqual(due.length);
    expect(info.num_pending + info.num_ack_pending, d.config.durable_name).toBe(0);
    if (due.length > 0) expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(due.at(-1)!.seq);
    counts[d.config.durable_name] = due.length;
  }
  // Not a vacuous pass: the day's messages were there to replay.
  expect(counts["persister-events"]).toBeGreaterThan(0);
  expect(counts["responder-messages"]).toBeGreaterThan(0);
  expect(counts.normalizer).toBeGreaterThan(0);
}

const readAll = async () =>
  Object.fromEntries(await Promise.all(STREAMS.map(async (s) => [s, await readStream(nc, s)] as const)));

const running = () => pipeline.processes.filter((p) => p.child.exitCode === null);

async function expectReady(processes: ServiceProcess[]): Promise<void> {
  for (const p of processes) {
    const res = await fetch(`${pipeline.opsUrl(p)}/ready`);
    expect(res.status, `${p.name} /ready: ${await res.text()}`).toBe(200);
  }
}

describe("replaying a day of events", () => {
  it("stores and answers the day", async () => {
    day = dayOfWebhooks(Date.now());
    for (const body of day.bodies) expect(await pipeline.post(body)).toBe(200);
    // Meta retrying some deliveries, and a signed body that is no webhook (a dead letter).
    for (const body of day.bodies.slice(0, 20)) expect(await pipeline.post(body)).toBe(200);
    expect(await pipeline.post(malformedBodies.withoutEntry!)).toBe(200);
    // Meta's callbacks about someone we hold nothing on (durable persister-user-callbacks).
    for (const path of ["/meta/data-deletion", "/meta/deauthorize"]) {
      const form = signedRequestForm(metaSignedRequest("10000000009999", APP_SECRET));
      const res = await fetch(`${pipeline.ingressUrl}${path}`, {
        method: "POST",
        headers: form.headers,
        body: form.payload,
      });
      expect(res.status).toBe(200);
    }
    await settle();
    // Manual sends from the admin port (durable responder-sends).
    for (const recipient of ["9300000000000001", "9300000000000002"]) {
      const res = await fetch(`${pipeline.adminUrl}/send/${SANDBOX_SHOP_IG_ID}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ recipient_id: recipient, text: "A human here" }),
      });
      expect(res.status).toBe(202);
    }
    await settle();

    before = await snapshot();
    const accepted = before.sent.filter((m) => m.accepted);
    expect(accepted).toHaveLength(day.replies + 2);
    expect(accepted.filter((m) => m.recipient === day.lateSender)).toHaveLength(0);
    for (const table of [...COUNTED_TABLES, "outbound_sends", "dead_letters", "deletion_requests", "token_logs"]) {
      expect(before.tables[table]?.length, table).toBeGreaterThan(0);
    }
    expect(before.tables.webhook_logs).toHaveLength(day.bodies.length + 1);
  });

  it("re-adds every durable from 24 hours ago while the services run: they carry on, nothing is written twice", async () => {
    const stored = await readAll();
    const start: ReplayStart = { time: new Date(Date.now() - DAY_MS) };
    const durables = shippedConsumers();
    expect(durables.map((d) => d.config.durable_name).sort()).toEqual(
      Object.values(consumers(topology()))
        .map((c) => c.config.durable_name)
        .sort(),
    );
    for (const d of durables) {
      const info = await replayDurable(jsm, d, start);
      expect(info.config).toMatchObject({ deliver_policy: "by_start_time", opt_start_time: start.time.toISOString() });
    }

    // The running replicas rebind to the new durables by themselves (after two missed pull heartbeats), and every
    // message of the day goes through each durable again.
    await settle();
    await expectReplayed(durables, stored, () => 1);
    expect(await snapshot()).toEqual(before);
    expect(running()).toHaveLength(pipeline.processes.length);
    await expectReady(pipeline.processes);
  });

  it("re-adds every durable from a sequence with the services stopped: they start on it as it is", async () => {
    const workers = running().filter((p) => WORKERS.includes(p.name as ServiceName));
    for (const p of workers) await p.stop();
    const stored = await readAll();
    const middle = Object.fromEntries(
      STREAMS.map((s) => [s, stored[s]![Math.floor(stored[s]!.length / 2)]!.seq] as const),
    );
    const durables = shippedConsumers();
    for (const d of durables) await replayDurable(jsm, d, { seq: middle[d.stream]! });

    // Start-up (ensureTopology) must accept a durable whose start differs from the file's: not fail, not "fix" it.
    const restarted = await Promise.all(WORKERS.map((name) => pipeline.spawn(name)));
    await settle();
    for (const d of durables) {
      const info = await jsm.consumers.info(d.stream, d.config.durable_name);
      expect(info.config).toMatchObject({ deliver_policy: "by_start_sequence", opt_start_seq: middle[d.stream] });
    }
    await expectReplayed(durables, stored, (d) => middle[d.stream]!);
    expect(await snapshot()).toEqual(before);
    await expectReady(restarted);
  });

  it("reads with a temporary consumer and republishes one stored webhook: nothing changes", async () => {
    const durables = shippedConsumers();
    const positions = async () =>
      Promise.all(
        durables.map(async (d) => {
          const { delivered, ack_floor } = await jsm.consumers.info(d.stream, d.config.durable_name);
          return { delivered, ack_floor };
        }),
      );
    const stored = await readStream(nc, "WEBHOOKS");
    const raw = stored.filter((m) => m.subject === "igdm.webhooks.raw");
    const durablesBefore = await positions();
    const seqs = await readWithTemporaryConsumer(js, "WEBHOOKS", "igdm.webhooks.raw", {
      time: new Date(Date.now() - DAY_MS),
    });
    expect(seqs).toEqual(raw.map((m) => m.seq));
    // The temporary consumer is gone and moved no durable.
    expect(await positions()).toEqual(durablesBefore);
    const names: string[] = [];
    for await (const c of jsm.consumers.list("WEBHOOKS")) names.push(c.name);
    expect(names.sort()).toEqual(["normalizer", "persister-user-callbacks", "persister-webhook-log"]);

    // A message that was answered: republishing it must not answer it again.
    const answered = raw.find((m) =>
      Buffer.from(RawWebhook.parse(m.json()).body, "base64").toString().includes(`"${day.firstMids[0]}"`),
    )!;
    const originalId = answered.headers["Nats-Msg-Id"]?.[0];
    expect(originalId).toBe(RawWebhook.parse(answered.json()).id);
    // The safety net: the same id inside the duplicate window is dropped by the stream.
    expect((await republish(jsm, js, "WEBHOOKS", answered.seq, originalId!)).duplicate).toBe(true);
    const [webhooksSeq, eventsSeq, dlqSeq] = await lastSeqs();
    const again = await republish(jsm, js, "WEBHOOKS", answered.seq, `replay-${answered.seq}-1`);
    expect(again).toMatchObject({ duplicate: false, seq: webhooksSeq! + 1 });
    await settle();

    const normalizer = await jsm.consumers.info("WEBHOOKS", "normalizer");
    expect(normalizer.ack_floor.stream_seq).toBe(again.seq);
    // Its events carry the ids they had: the EVENTS stream dropped them, and no row or reply changed.
    expect(await lastSeqs()).toEqual([again.seq, eventsSeq, dlqSeq]);
    expect(await snapshot()).toEqual(before);
    await expectReady(running());
  });

  it("keeps answering new messages after all of it", async () => {
    const person = "9311111111111111";
    expect(await pipeline.post(instagramTextWebhook("mid.after.replay", "hello", { from: person }))).toBe(200);
    await waitFor(async () => sandbox.state.sentMessages.some((m) => m.recipient === person && m.accepted), {
      what: "the reply to a new message",
    });
  });
});
