import { consumers, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  connectTestNats,
  instagramMessagingWebhook,
  instagramTextWebhook,
  loginThroughIngress,
  parsePrometheusText,
  type ServiceProcess,
  waitFor,
} from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "./expected-rows.js";
import { APP_SECRET, type Pipeline, type ServiceName, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

/** Replicas per worker service, all on one namespace: the same streams and the same durables. */
const REPLICAS = { normalizer: 3, persister: 3, responder: 3, "token-refresher": 2 } satisfies Partial<
  Record<ServiceName, number>
>;
const PEOPLE = 300;
/** Of the people, this many also react to their message, and this many send a read receipt... */
const REACTIONS = 60;
const READS = 60;
/** ...and this many get a message the account sent from Instagram's app (an echo: never answered). */
const ECHOES = 30;
/** OAuth connects of the same sandbox user: spread over token-refresher's replicas by the request/reply queue. */
const CONNECTS = 16;

const person = (i: number) => `93${String(i).padStart(14, "0")}`;
const mid = (i: number) => `mid.scaling.${i}`;

let sandbox: MetaSandbox;
let pipeline: Pipeline;
const replicas = new Map<ServiceName, ServiceProcess[]>();

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({ services: ["ingress"], env: { ...sandbox.env, APP_SECRET } });
  for (const [name, n] of Object.entries(REPLICAS) as [ServiceName, number][]) {
    replicas.set(name, await Promise.all(Array.from({ length: n }, () => pipeline.spawn(name))));
  }
}, 180_000);
afterAll(async () => {
  await pipeline?.stop();
  await sandbox?.close();
});

/** POSTs the bodies to ingress a few at a time, as Meta's delivery workers do, expecting 200 for each. */
async function deliver(bodies: string[], concurrency = 16): Promise<void> {
  const queue = [...bodies];
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let body = queue.shift(); body !== undefined; body = queue.shift()) statuses.push(await pipeline.post(body));
    }),
  );
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
}

/** What one process's /metrics says about a counter. */
async function counter(p: ServiceProcess, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${pipeline.opsUrl(p)}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text()).value(name, labels);
}

/** How many messages the stream holds on a durable's filter subject: what that durable had to process. */
async function messagesFor(stream: string, filter: string): Promise<number> {
  const nc = await connectTestNats();
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: filter });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  } finally {
    await nc.close();
  }
}

describe("replicas of every worker on one stream", () => {
  it("process every event exactly once, share the work, and send no reply twice", async () => {
    // Connect once (waits for the rows), then reconnect: each connect is handled by one token-refresher replica.
    await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
    for (let i = 1; i < CONNECTS; i++) await loginThroughIngress(pipeline.ingressUrl);

    const people = Array.from({ length: PEOPLE }, (_, i) => person(i));
    await deliver(
      people.map((p, i) => instagramTextWebhook(mid(i), `hello from ${p}`, { from: p, to: SANDBOX_SHOP_IG_ID })),
    );
    await deliver([
      ...people
        .slice(0, REACTIONS)
        .map((p, i) =>
          instagramMessagingWebhook(
            { reaction: { mid: mid(i), action: "react", reaction: "love", emoji: "❤" } },
            { from: p },
          ),
        ),
      ...people
        .slice(0, READS)
        .map((p, i) => instagramMessagingWebhook({ read: { mid: `mid.scaling.read.${i}` } }, { from: p })),
      ...people
        .slice(0, ECHOES)
        .map((p, i) =>
          instagramMessagingWebhook(
            { message: { mid: `mid.scaling.echo.${i}`, text: "sent from the app", is_echo: true } },
            { from: SANDBOX_SHOP_IG_ID, to: p },
          ),
        ),
    ]);
    const webhooks = PEOPLE + REACTIONS + READS + ECHOES;

    // Settled: every reply at Meta, every row written, every durable with nothing pending or unacknowledged.
    const accepted = () => sandbox.state.sentMessages.filter((m) => m.accepted);
    await waitFor(async () => accepted().length >= PEOPLE, { timeoutMs: 90_000, what: `${PEOPLE} replies` });
    await waitFor(
      async () => {
        const [row] = await pipeline.db.sql<{ n: number }[]>`
          select count(*)::int as n from outbound_sends where status = 'sent'`;
        return row?.n === PEOPLE && (await rowCounts(pipeline.db)).messages === 2 * PEOPLE + ECHOES;
      },
      { timeoutMs: 60_000, what: "every send and message stored" },
    );
    await waitUntilSettled(pipeline.namespace);

    // No reply twice, none to an echo: one Send API call per person.
    expect(sandbox.state.sentMessages).toHaveLength(PEOPLE);
    const perPerson = new Map<string, number>();
    for (const m of accepted()) perPerson.set(m.recipient, (perPerson.get(m.recipient) ?? 0) + 1);
    expect([...perPerson.keys()].sort()).toEqual([...people].sort());
    expect([...perPerson.values()].every((n) => n === 1)).toBe(true);

    // Every event is one row: rows equal events, one send per inbound message, nothing dead-lettered.
    expect(await rowCounts(pipeline.db)).toMatchObject({
      messages: 2 * PEOPLE + ECHOES,
      message_reactions: REACTIONS,
      message_reads: READS,
      webhook_logs: webhooks,
    });
    const [sends] = await pipeline.db.sql<{ n: number; replied: number }[]>`
      select count(*)::int as n, count(distinct in_reply_to)::int as replied from outbound_sends`;
    expect(sends).toEqual({ n: PEOPLE, replied: PEOPLE });
    const [accounts] = await pipeline.db.sql<{ users: number; pages: number; ig: number }[]>`
      select (select count(*)::int from users) as users, (select count(*)::int from pages) as pages,
        (select count(*)::int from instagram_accounts) as ig`;
    expect(accounts).toEqual({ users: 1, pages: 2, ig: 1 });
    expect((await pipeline.db.sql`select 1 from dead_letters`).length).toBe(0);

    // The work was shared: every replica of every durable acknowledged some, and together exactly what the
    // stream holds for that durable (a message handled twice would make the sum larger).
    const t = topology(pipeline.namespace);
    const durables = consumers(t);
    const owners: Array<[ServiceName, (typeof durables)[keyof typeof durables]]> = [
      ["normalizer", durables.normalizer],
      ["persister", durables.persisterWebhookLog],
      ["persister", durables.persisterEvents],
      ["responder", durables.responderMessages],
    ];
    const expected: Record<string, number> = {
      normalizer: webhooks,
      "persister-webhook-log": webhooks,
      "responder-messages": PEOPLE + ECHOES,
    };
    for (const [service, d] of owners) {
      const inStream = await messagesFor(d.stream, d.config.filter_subject);
      if (d.config.durable_name in expected) expect(inStream).toBe(expected[d.config.durable_name]);
      const acked = await Promise.all(
        replicas
          .get(service)!
          .map((p) => counter(p, "igdm_messages_processed_total", { durable: d.config.durable_name, outcome: "ack" })),
      );
      const split = `${d.config.durable_name}: ${acked.join(" + ")} of ${inStream}`;
      expect(
        acked.every((n) => n > 0),
        split,
      ).toBe(true);
      expect(
        acked.reduce((x, y) => x + y, 0),
        split,
      ).toBe(inStream);
    }
    // Events the persister stored include the replies' reply_sent and the connects' account events.
    expect(await messagesFor(t.streams.events, t.subjects.event("reply_sent"))).toBe(PEOPLE);

    // token-refresher has no durable: its replicas share the OAuth requests of one queue group.
    const connects = await Promise.all(
      replicas.get("token-refresher")!.map((p) => counter(p, "igdm_accounts_connected_total", { flow: "facebook" })),
    );
    expect(connects.every((n) => n > 0)).toBe(true);
    expect(connects.reduce((a, b) => a + b, 0)).toBe(CONNECTS);
  }, 180_000);
});
