import { type AccessRevoked, DomainEvent, type SenderCredentialReply, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, SANDBOX_SHOP_PAGE_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import { createLogger, publishEvents } from "@igdm/runtime";
import {
  connectTestNats,
  deleteNamespaceStreams,
  readStream,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponderEnv } from "./env.js";
import { startResponder } from "./service.js";
import { shopCredential, standInSenderCredential, TEST_TOKEN_KEYS, testCipher } from "./testing/stand-in-persister.js";

/*
 * The responder against the real NATS and the fake Meta, with a stand-in persister answering sender-credential
 * (it counts the requests, and its answer can be changed to what the persister says after a revocation).
 */

const namespace = uniqueNamespace("resprev");
const t = topology(namespace);
const log = createLogger({ service: "responder-test", level: "silent" });
const RECIPIENT = "9100000000000077";

let sandbox: MetaSandbox;
let nc: NatsConnection;
let standIn: Subscription;
let responder: Awaited<ReturnType<typeof startResponder>>;
let credential: SenderCredentialReply;
let credentialRequests: () => number;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
  nc = await connectTestNats();
  credential = shopCredential(sandbox);
  const persister = await standInSenderCredential(nc, t, () => credential);
  standIn = persister.subscription;
  credentialRequests = persister.requests;
  const env = ResponderEnv.parse({
    ...sandbox.env,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: "silent",
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEYS,
    CREDENTIALS_CACHE_SECONDS: "3600",
  });
  responder = await startResponder(env, log);
});

afterAll(async () => {
  await responder?.stop();
  standIn?.unsubscribe();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await sandbox?.close();
});

let seq = 0;
/** Publishes a manual send command and returns its id. */
async function sendCommand(): Promise<string> {
  const commandId = `cmd-${++seq}`;
  const event = DomainEvent.parse({
    v: 1,
    id: `send_requested:${commandId}`,
    occurredAt: new Date().toISOString(),
    kind: "send_requested",
    commandId,
    accountId: SANDBOX_SHOP_IG_ID,
    recipientId: RECIPIENT,
    text: `message ${commandId}`,
  });
  await publishEvents(jetstream(nc), t, [event], { timeoutMs: 5000 });
  return commandId;
}

/** The reply_sent or reply_failed event the responder published for a send. */
async function outcome(sendId: string): Promise<DomainEvent> {
  return waitFor(
    async () => {
      for (const m of await readStream(nc, t.streams.events)) {
        const e = DomainEvent.parse(m.json());
        if ((e.kind === "reply_sent" || e.kind === "reply_failed") && e.sendId === sendId) return e;
      }
      return undefined;
    },
    { what: `the outcome of ${sendId}` },
  );
}

async function revoke(label: string): Promise<void> {
  const event: AccessRevoked = {
    v: 1,
    id: `access_revoked:${label}`,
    occurredAt: new Date().toISOString(),
    kind: "access_revoked",
    userId: "10000000000001",
    reason: "deauthorized",
    pageIds: [SANDBOX_SHOP_PAGE_ID],
    igIds: [SANDBOX_SHOP_IG_ID],
  };
  // Acknowledged by JetStream only after the server handed it to every core subscriber, the responder included.
  await publishEvents(jetstream(nc), t, [event], { timeoutMs: 5000 });
}

const sentToRecipient = () => sandbox.state.sentMessages.filter((m) => m.recipient === RECIPIENT && m.accepted);

describe("responder: access_revoked", () => {
  it("drops cached credentials, so a send after the revocation asks the persister again and is refused", async () => {
    // Cached: two sends, one request.
    expect(await outcome(await sendCommand())).toMatchObject({ kind: "reply_sent" });
    expect(await outcome(await sendCommand())).toMatchObject({ kind: "reply_sent" });
    expect(credentialRequests()).toBe(1);
    expect(sentToRecipient()).toHaveLength(2);

    // The persister revoked the account: it now has no sender for it, and says so on the bus.
    credential = { ok: false, code: "IGDM_ERR_NO_SENDER", message: "no token to send from this account" };
    await revoke("a");
    const refused = await outcome(await sendCommand());
    expect(refused).toMatchObject({
      kind: "reply_failed",
      reason: expect.stringMatching(/^no way to send from account/),
    });
    expect(credentialRequests()).toBe(2);
    expect(sentToRecipient()).toHaveLength(2);
  });

  it("refuses to send with a credential whose token is revoked", async () => {
    credential = { ...shopCredential(sandbox), tokenStatus: "revoked" };
    await revoke("b");
    const refused = await outcome(await sendCommand());
    expect(refused).toMatchObject({
      kind: "reply_failed",
      reason: "the account's token is revoked: its owner must connect again",
    });
    expect(sentToRecipient()).toHaveLength(2);
  });
});

describe("responder: a new token", () => {
  it("drops cached credentials when a page is connected again, so the next send uses the new token", async () => {
    credential = shopCredential(sandbox);
    await revoke("c");
    expect(await outcome(await sendCommand())).toMatchObject({ kind: "reply_sent" });
    const before = credentialRequests();
    // A reconnect issued a new page token (the old one may be dead): the persister now hands out that one.
    credential = shopCredential(sandbox);
    const reconnect = DomainEvent.parse({
      v: 1,
      id: `page_connected:${SANDBOX_SHOP_PAGE_ID}:again`,
      occurredAt: new Date().toISOString(),
      kind: "page_connected",
      pageId: SANDBOX_SHOP_PAGE_ID,
      userId: "10000000000001",
      accessTokenEnc: credential.ok ? credential.accessTokenEnc : "",
    });
    await publishEvents(jetstream(nc), t, [reconnect], { timeoutMs: 5000 });
    expect(await outcome(await sendCommand())).toMatchObject({ kind: "reply_sent" });
    expect(credentialRequests()).toBe(before + 1);
    const newToken = credential.ok ? testCipher().decrypt(credential.accessTokenEnc) : "";
    expect(sentToRecipient().at(-1)!.token).toBe(newToken);
  });
});
