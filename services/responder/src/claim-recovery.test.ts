import { consumers, DomainEvent, type SendRequested, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import { createLogger, publishEvents } from "@igdm/runtime";
import {
  connectTestNats,
  deleteNamespaceStreams,
  readStream,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponderEnv } from "./env.js";
import type { ClaimValue } from "./reply-claim.js";
import { kvKey, UNKNOWN_OUTCOME_REASON } from "./send-once.js";
import { startResponder } from "./service.js";
import { shopCredential, standInSenderCredential, TEST_TOKEN_KEYS } from "./testing/stand-in-persister.js";

/*
 * The responder running against the real NATS and the fake Meta finds claims that a killed replica left behind
 * (written straight into its KV bucket) and recovers each the only safe way: a claim taken before Meta was called
 * is taken over and sent; one taken while Meta was being called is waited on, then reported, never sent; one
 * Meta accepted has its reply_sent published, never sent again.
 */

const namespace = uniqueNamespace("respclaim");
const t = topology(namespace);
const log = createLogger({ service: "responder-test", level: "silent" });
const sendsDurable = consumers(t).responderSends;

let sandbox: MetaSandbox;
let nc: NatsConnection;
let standIn: Subscription;
let claims: KV;
let responder: Awaited<ReturnType<typeof startResponder>>;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
  nc = await connectTestNats();
  const credential = shopCredential(sandbox);
  standIn = (await standInSenderCredential(nc, t, () => credential)).subscription;
  const env = ResponderEnv.parse({
    ...sandbox.env,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: "silent",
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEYS,
  });
  responder = await startResponder(env, log);
  // The bucket the responder created; opening it again changes nothing.
  claims = await new Kvm(jetstream(nc)).open(t.kv.replyClaims);
});

afterAll(async () => {
  await responder?.stop();
  standIn?.unsubscribe();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await sandbox?.close();
});

let seq = 0;
/** A manual send command to a recipient of its own (published later, after its claim is in place). */
function newCommand(): SendRequested {
  seq++;
  const commandId = `cmd-${seq}`;
  return {
    v: 1,
    id: `send_requested:${commandId}`,
    occurredAt: new Date().toISOString(),
    kind: "send_requested",
    commandId,
    accountId: SANDBOX_SHOP_IG_ID,
    recipientId: `93000000000${String(seq).padStart(5, "0")}`,
    text: `message ${seq}`,
  };
}

const publish = (command: SendRequested) => publishEvents(jetstream(nc), t, [command], { timeoutMs: 5000 });
const sentTo = (command: SendRequested) =>
  sandbox.state.sentMessages.filter((m) => m.recipient === command.recipientId);

/** A claim as a killed replica left it. */
const leaveClaim = (command: SendRequested, state: "claimed" | "sending", at: Date) =>
  leaveClaimValue(command, { sendId: command.commandId, state, at: at.toISOString() });

const leaveClaimValue = (command: SendRequested, value: ClaimValue) =>
  claims.put(kvKey(command.commandId), JSON.stringify(value));

async function outcomes(command: SendRequested): Promise<DomainEvent[]> {
  const all = (await readStream(nc, t.streams.events)).map((m) => DomainEvent.parse(m.json()));
  return all.filter((e) => (e.kind === "reply_sent" || e.kind === "reply_failed") && e.sendId === command.commandId);
}

async function sendsConsumer() {
  return (await jetstreamManager(nc)).consumers.info(sendsDurable.stream, sendsDurable.config.durable_name);
}

/** Once the durable acked everything, no further send or report can be on its way. */
async function settled(): Promise<void> {
  await waitFor(
    async () => {
      const info = await sendsConsumer();
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "the send commands settled" },
  );
}

describe("responder: claims a killed replica left behind", () => {
  it("takes over a claim left before Meta was called, and sends exactly once", async () => {
    const command = newCommand();
    await leaveClaim(command, "claimed", new Date(Date.now() - 60_000));
    await publish(command);
    await waitFor(async () => (await outcomes(command)).length > 0, { what: "the outcome" });
    await settled();
    expect(await outcomes(command)).toEqual([expect.objectContaining({ kind: "reply_sent" })]);
    expect(sentTo(command)).toEqual([expect.objectContaining({ accepted: true, text: command.text })]);
  });

  it("retries a send left mid-call while its lease runs, then reports it once with an unknown outcome", async () => {
    const command = newCommand();
    await leaveClaim(command, "sending", new Date());
    const deliveredBefore = (await sendsConsumer()).delivered.consumer_seq;
    await publish(command);
    // Delivered, found in flight, and delivered again: retried, neither sent nor reported.
    await waitFor(async () => (await sendsConsumer()).delivered.consumer_seq >= deliveredBefore + 2, {
      what: "a redelivery",
    });
    expect(sentTo(command)).toEqual([]);
    expect(await outcomes(command)).toEqual([]);

    // The lease is over (as if the call began an hour ago): the holder is dead, the outcome unknown.
    await leaveClaim(command, "sending", new Date(Date.now() - 60 * 60_000));
    await waitFor(async () => (await outcomes(command)).length > 0, { what: "the report", timeoutMs: 60_000 });
    await settled();
    expect(await outcomes(command)).toEqual([
      expect.objectContaining({ kind: "reply_failed", reason: UNKNOWN_OUTCOME_REASON }),
    ]);
    expect(sentTo(command)).toEqual([]);
  });

  it("publishes the reply_sent of a send Meta accepted before the replica died (claim `sent`), never sending again", async () => {
    const command = newCommand();
    const at = new Date(Date.now() - 60_000).toISOString();
    const messageId = `mid.accepted.${command.commandId}`;
    // Killed between the compare-and-set to `sent` and the publish: the claim is all that is left.
    await leaveClaimValue(command, { sendId: command.commandId, state: "sent", at, messageId, text: command.text });
    await publish(command);
    await waitFor(async () => (await outcomes(command)).length > 0, { what: "the outcome" });
    await settled();
    expect(await outcomes(command)).toEqual([
      expect.objectContaining({
        id: `reply_sent:${command.commandId}`,
        kind: "reply_sent",
        messageId,
        occurredAt: at,
        text: command.text,
      }),
    ]);
    expect(sentTo(command)).toEqual([]);
  });
});
