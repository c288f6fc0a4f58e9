import { DomainEvent, topology } from "@igdm/contracts";
import {
  type MetaSandbox,
  metaErrors,
  SANDBOX_SHOP_IG_ID,
  SANDBOX_SHOP_PAGE_ID,
  startMetaSandbox,
} from "@igdm/meta-sandbox";
import { connectSandboxAccount, connectTestNats, readStream, waitFor } from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

let sandbox: MetaSandbox;
let pipeline: Pipeline;
let nc: NatsConnection;
let shopPageToken: string;

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "normalizer", "persister", "token-refresher", "responder"],
    env: { ...sandbox.env, APP_SECRET, RULES_CACHE_SECONDS: "1" },
  });
  nc = await connectTestNats();
  await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
  shopPageToken = sandbox.state.tokensOf(SANDBOX_SHOP_PAGE_ID)[0]!.token;
});
afterAll(async () => {
  await nc?.close();
  await pipeline?.stop();
  await sandbox?.close();
});

let seq = 0;
/** A messaging webhook to the shop's Instagram account. */
function webhook(item: Record<string, unknown>, opts: { from?: string; to?: string; at?: number } = {}): string {
  const at = opts.at ?? Date.now();
  return JSON.stringify({
    object: "instagram",
    entry: [
      {
        id: SANDBOX_SHOP_IG_ID,
        time: at,
        messaging: [
          {
            sender: { id: opts.from ?? "9100000000000001" },
            recipient: { id: opts.to ?? SANDBOX_SHOP_IG_ID },
            timestamp: at,
            ...item,
          },
        ],
      },
    ],
  });
}
const text = (user: string, body = "hello") =>
  webhook({ message: { mid: `mid.reply.${++seq}`, text: body } }, { from: user });
const sentTo = (user: string) => sandbox.state.sentMessages.filter((m) => m.recipient === user && m.accepted);
const settle = () => waitUntilSettled(pipeline.namespace);

describe("automatic replies", () => {
  it("answers an inbound text exactly once, with the page's token, and merges the outbound row with its echo", async () => {
    const user = "9100000000000001";
    expect(await pipeline.post(text(user))).toBe(200);
    await waitFor(async () => sentTo(user).length === 1, { what: "one reply at Meta" });
    const [sent] = sentTo(user);
    expect(sent).toMatchObject({ token: shopPageToken, page: SANDBOX_SHOP_PAGE_ID, text: "Thanks for your message!" });
    expect(sent!.tag).toBeUndefined();
    expect(sent!.messaging_type).toBe("RESPONSE");

    const messageId = sent!.message_id!;
    await waitFor(
      async () =>
        (await pipeline.db.sql`select 1 from outbound_sends where message_id = ${messageId} and status = 'sent'`)
          .length,
    );
    const echo = webhook(
      { message: { mid: messageId, text: "Thanks for your message!", is_echo: true } },
      { from: SANDBOX_SHOP_IG_ID, to: user },
    );
    expect(await pipeline.post(echo)).toBe(200);
    await waitFor(
      async () => (await pipeline.db.sql`select 1 from messages where message_id = ${messageId} and is_echo`).length,
    );
    const rows = await pipeline.db.sql`select direction, is_echo from messages where message_id = ${messageId}`;
    expect(Array.from(rows, (r) => ({ ...r }))).toEqual([{ direction: "outbound", is_echo: true }]);
    await settle();
    expect(sentTo(user)).toHaveLength(1);
  });

  it("sends one reply however often the message is delivered, with two responder replicas", async () => {
    await pipeline.spawn("responder");
    const user = "9100000000000002";
    const body = text(user);
    for (let i = 0; i < 5; i++) expect(await pipeline.post(body)).toBe(200);
    await waitFor(async () => sentTo(user).length === 1, { what: "the reply" });
    // Redelivered past JetStream's de-duplication: new message ids for the same event.
    const t = topology(pipeline.namespace);
    const js = jetstream(nc);
    for (const m of await readStream(nc, t.streams.events)) {
      const event = DomainEvent.parse(m.json());
      if (event.kind === "message" && event.senderId === user) {
        for (let i = 0; i < 4; i++) await js.publish(m.subject, m.data, { msgID: `${event.id}:again-${i}` });
      }
    }
    await settle();
    expect(sentTo(user)).toHaveLength(1);
  });

  it("never answers echoes, reactions, reads or unsends, and waits out the cooldown", async () => {
    const user = "9100000000000003";
    const before = sandbox.state.sentMessages.length;
    const mid = `mid.reply.${++seq}`;
    for (const body of [
      webhook(
        { message: { mid: `mid.reply.${++seq}`, text: "ours", is_echo: true } },
        { from: SANDBOX_SHOP_IG_ID, to: user },
      ),
      webhook({ reaction: { mid, action: "react", reaction: "love", emoji: "❤" } }, { from: user }),
      webhook({ read: { mid } }, { from: user }),
      webhook({ message: { mid, is_deleted: true } }, { from: user }),
    ]) {
      expect(await pipeline.post(body)).toBe(200);
    }
    await settle();
    expect(sandbox.state.sentMessages.length).toBe(before);

    // The first user got their reply in the first test: a second message inside 24 hours gets none...
    expect(await pipeline.post(text("9100000000000001", "are you there?"))).toBe(200);
    await settle();
    expect(sentTo("9100000000000001")).toHaveLength(1);
    // ...unless a keyword rule matches, which answers with its own text (rules apply without a restart).
    await pipeline.db.sql`insert into auto_reply_rules (account_id, kind, match, keyword, reply, priority)
      values (${SANDBOX_SHOP_IG_ID}, 'keyword', 'contains', 'price', 'Our prices are on the website.', 10)`;
    await new Promise((r) => setTimeout(r, 1200));
    expect(await pipeline.post(text("9100000000000001", "What is the PRICE?"))).toBe(200);
    await waitFor(async () => sentTo("9100000000000001").length === 2, { what: "the keyword reply" });
    expect(sentTo("9100000000000001")[1]!.text).toBe("Our prices are on the website.");
  });

  it("retries rate limits and server errors until the reply goes out, once", async () => {
    const user = "9100000000000004";
    sandbox.state.failNext({ method: "POST", path: /\/messages$/ }, { ...metaErrors.sendRateLimit, times: 2 });
    sandbox.state.failNext({ method: "POST", path: /\/messages$/ }, metaErrors.server);
    expect(await pipeline.post(text(user))).toBe(200);
    await waitFor(async () => sentTo(user).length === 1, { timeoutMs: 30_000, what: "the reply after retries" });
    await settle();
    expect(sentTo(user)).toHaveLength(1);
  });

  it("treats Meta's outside-the-window refusal as final and visible, without retrying", async () => {
    const user = "9100000000000007";
    const sendCalls = () =>
      sandbox.state.requests.filter((r) => r.method === "POST" && r.path.endsWith("/messages")).length;
    const callsBefore = sendCalls();
    sandbox.state.failNext({ method: "POST", path: /\/messages$/ }, metaErrors.outsideWindow);
    expect(await pipeline.post(text(user))).toBe(200);
    const [row] = await waitFor(async () => {
      const rows = await pipeline.db.sql<{ status: string; error_code: number; error_subcode: number }[]>`
        select status, error_code, error_subcode from outbound_sends where recipient_id = ${user}`;
      return rows.length ? rows : undefined;
    });
    expect(row).toMatchObject({ status: "failed", error_code: 10, error_subcode: 2018278 });
    await settle();
    expect(sendCalls() - callsBefore).toBe(1);
    expect(sentTo(user)).toHaveLength(0);
  });

  it("does not answer outside the 24-hour window", async () => {
    const user = "9100000000000005";
    const old = webhook(
      { message: { mid: `mid.reply.${++seq}`, text: "from yesterday" } },
      { from: user, at: Date.now() - 25 * 3_600_000 },
    );
    expect(await pipeline.post(old)).toBe(200);
    await settle();
    expect(sentTo(user)).toHaveLength(0);
  });
});

describe("manual send on the admin port", () => {
  const send = (body: unknown, token: string | null = ADMIN_TOKEN, account = SANDBOX_SHOP_IG_ID) =>
    fetch(`${pipeline.adminUrl}/send/${account}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it("refuses without or with a wrong token, and bad input", async () => {
    expect((await send({ recipient_id: "1", text: "x" }, null)).status).toBe(401);
    expect((await send({ recipient_id: "1", text: "x" }, "wrong-token-wrong-token-wrong")).status).toBe(401);
    expect((await send({ text: "no recipient" })).status).toBe(400);
    expect((await send({ recipient_id: "1", text: "é".repeat(600) })).status).toBe(400);
  });

  it("refuses a person who has not written within 24 hours, with the reason", async () => {
    const res = await send({ recipient_id: "9100000000000099", text: "hello?" });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/never written|24 hours/);
  });

  it("queues a good request (202) and reports it sent", async () => {
    const user = "9100000000000001";
    const res = await send({ recipient_id: user, text: "A human here: how can I help?" });
    expect(res.status).toBe(202);
    const { command_id } = (await res.json()) as { command_id: string };
    const status = await waitFor(
      async () => {
        const r = await fetch(`${pipeline.adminUrl}/send/${command_id}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const body = (await r.json()) as { status: string; message_id?: string };
        return body.status === "sent" ? body : undefined;
      },
      { what: "the command sent" },
    );
    expect(status.message_id).toEqual(expect.any(String));
    expect(sentTo(user).at(-1)!.text).toBe("A human here: how can I help?");
  });
});

describe("a token Meta rejects", () => {
  it("marks the page invalid and stops sending, with the failure visible", async () => {
    sandbox.state.invalidateToken(shopPageToken);
    const user = "9100000000000006";
    expect(await pipeline.post(text(user))).toBe(200);
    await waitFor(
      async () =>
        (await pipeline.db.sql`select 1 from pages where id = ${SANDBOX_SHOP_PAGE_ID} and token_status = 'invalid'`)
          .length,
      { what: "page marked invalid" },
    );
    const [failed] = await waitFor(async () => {
      const rows = await pipeline.db.sql<{ status: string; reason: string }[]>`
        select status, reason from outbound_sends where recipient_id = ${user}`;
      return rows.length ? rows : undefined;
    });
    expect(failed).toMatchObject({ status: "failed", reason: expect.stringContaining("rejected") });
    expect(sentTo(user)).toHaveLength(0);
  });
});
