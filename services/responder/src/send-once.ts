import { createHash } from "node:crypto";
import type { DomainEvent, ReplyFailed, Topology } from "@igdm/contracts";
import type { TokenCipher } from "@igdm/crypto";
import { GraphApiError, type GraphClient } from "@igdm/meta";
import { errorMessage, type Logger, publishEvents, RpcFailure, TransientError } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { countFailure, refusalReason, repliesSent, sendMode } from "./metrics.js";
import type { PersisterClient } from "./persister-client.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface SendJob {
  /** `reply:<inbound mid>` or the command id: the claim key, and the id of the sent/failed event. */
  sendId: string;
  accountId: string;
  recipientId: string;
  text: string;
  inReplyTo?: string;
  ruleId?: string;
}

export interface SendDeps {
  js: JetStreamClient;
  topology: Topology;
  graph: GraphClient;
  cipher: TokenCipher;
  persister: PersisterClient;
  limiter: RateLimiter;
  claims: KV;
  log: Logger;
}

/** KV keys allow a narrow alphabet; Meta's ids do not promise to stay inside it. */
export const kvKey = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Sends one message at most once. The claim (a KV create keyed by the send id) is taken before the Send API is
 * called, so redeliveries, replicas and restarts cannot send twice. Only when Meta answered with a retryable error
 * is the claim released and the message retried; when Meta did not answer at all the message may have been
 * delivered, so it is reported failed rather than risk messaging the person twice.
 * Resolves false when another delivery already claimed it.
 */
export async function sendOnce(deps: SendDeps, job: SendJob): Promise<boolean> {
  const key = kvKey(job.sendId);
  let revision: number;
  try {
    revision = await deps.claims.create(key, JSON.stringify({ sendId: job.sendId, at: new Date().toISOString() }));
  } catch {
    return false;
  }
  const at = () => new Date().toISOString();
  const failed = (reason: string, codes: { errorCode?: number; errorSubcode?: number } = {}): ReplyFailed => ({
    v: 1,
    id: `reply_failed:${job.sendId}`,
    occurredAt: at(),
    kind: "reply_failed",
    sendId: job.sendId,
    accountId: job.accountId,
    recipientId: job.recipientId,
    text: job.text,
    reason,
    ...codes,
    ...(job.inReplyTo ? { inReplyTo: job.inReplyTo } : {}),
    ...(job.ruleId ? { ruleId: job.ruleId } : {}),
  });
  const publish = (events: DomainEvent[]) => publishEvents(deps.js, deps.topology, events, { timeoutMs: 5000 });

  let sender: Awaited<ReturnType<PersisterClient["sender"]>>;
  try {
    sender = await deps.persister.sender(job.accountId);
  } catch (err) {
    if (err instanceof RpcFailure) {
      countFailure("no_sender");
      await publish([failed(`no way to send from account ${job.accountId}: ${err.message}`)]);
      return true;
    }
    await deps.claims.delete(key, { previousSeq: revision });
    throw err;
  }
  if (sender.tokenStatus === "invalid" || sender.tokenStatus === "revoked") {
    countFailure("token_invalid");
    await publish([failed(`the account's token is ${sender.tokenStatus}: its owner must connect again`)]);
    return true;
  }
  await deps.limiter.take(job.accountId);
  try {
    const sent = await deps.graph.sendText({
      pageId: sender.senderId,
      token: deps.cipher.decrypt(sender.accessTokenEnc),
      recipientId: job.recipientId,
      text: job.text,
      loginType: sender.loginType,
    });
    repliesSent.inc({ mode: sendMode(job) });
    await publish([
      {
        v: 1,
        id: `reply_sent:${job.sendId}`,
        occurredAt: at(),
        kind: "reply_sent",
        sendId: job.sendId,
        accountId: job.accountId,
        ...(sender.loginType === "facebook" ? { pageId: sender.senderId } : {}),
        recipientId: job.recipientId,
        text: job.text,
        messageId: sent.messageId,
        ...(job.inReplyTo ? { inReplyTo: job.inReplyTo } : {}),
        ...(job.ruleId ? { ruleId: job.ruleId } : {}),
      },
    ]);
    return true;
  } catch (err) {
    if (!(err instanceof GraphApiError)) {
      countFailure("internal");
      await publish([failed(errorMessage(err))]);
      return true;
    }
    const codes = {
      ...(err.graphCode !== undefined ? { errorCode: err.graphCode } : {}),
      ...(err.subcode !== undefined ? { errorSubcode: err.subcode } : {}),
    };
    if (err.action === "retry" && err.status !== undefined) {
      // Meta answered "not now": nothing was sent, so retrying cannot double it.
      countFailure("rate_limited");
      await deps.claims.delete(key, { previousSeq: revision });
      throw new TransientError(`Send API asked to retry: ${err.message}`, { cause: err });
    }
    if (err.action === "retry") {
      countFailure("no_answer");
      await publish([
        failed(`no answer from Meta; not retried so the person is never messaged twice: ${err.message}`, codes),
      ]);
      return true;
    }
    if (err.action === "reauth") {
      countFailure("token_rejected");
      deps.persister.forgetSender(job.accountId);
      await publish([
        {
          v: 1,
          id: `reauth_needed:${sender.tokenSubject.subjectType}:${sender.tokenSubject.subjectId}:${job.sendId}`,
          occurredAt: at(),
          kind: "reauth_needed",
          ...sender.tokenSubject,
          reason: `the Send API rejected the token: ${err.message}`,
          ...codes,
        },
        failed(`the account's token was rejected: ${err.message}`, codes),
      ]);
      return true;
    }
    deps.log.warn({ sendId: job.sendId, code: err.graphCode, subcode: err.subcode }, "send refused by Meta");
    countFailure(refusalReason(err));
    await publish([failed(err.message, codes)]);
    return true;
  }
}
