import type { ReauthNeeded, ReplyFailed, ReplySent } from "@igdm/contracts";
import type { SenderCredential } from "./persister-client.js";
import type { Acceptance } from "./reply-claim.js";
import type { SendJob } from "./send-once.js";

/** Graph's error code and subcode, when Meta gave them. */
export interface GraphCodes {
  errorCode?: number;
  errorSubcode?: number;
}

const now = () => new Date().toISOString();

const replyLinks = (job: SendJob) => ({
  ...(job.inReplyTo ? { inReplyTo: job.inReplyTo } : {}),
  ...(job.ruleId ? { ruleId: job.ruleId } : {}),
});

/** The send will not happen (or may not have happened), with why; one per send id. */
export function replyFailed(job: SendJob, reason: string, codes: GraphCodes = {}): ReplyFailed {
  return {
    v: 1,
    id: `reply_failed:${job.sendId}`,
    occurredAt: now(),
    kind: "reply_failed",
    sendId: job.sendId,
    accountId: job.accountId,
    recipientId: job.recipientId,
    text: job.text,
    reason,
    ...codes,
    ...replyLinks(job),
  };
}

/** What the send's `sent` claim keeps of Meta's answer: the mid, and the page that sent it (Facebook login). */
export function acceptance(sender: SenderCredential, messageId: string): Acceptance {
  return { messageId, ...(sender.loginType === "facebook" ? { pageId: sender.senderId } : {}) };
}

/**
 * Meta accepted the message as `accepted.messageId` (the echo webhook's mid). Rebuilt from the job and the `sent`
 * claim (with the claim's time) it is the same event, so a republish is absorbed as a duplicate.
 */
export function replySent(job: SendJob, accepted: Acceptance, occurredAt = now()): ReplySent {
  return {
    v: 1,
    id: `reply_sent:${job.sendId}`,
    occurredAt,
    kind: "reply_sent",
    sendId: job.sendId,
    accountId: job.accountId,
    ...(accepted.pageId ? { pageId: accepted.pageId } : {}),
    recipientId: job.recipientId,
    text: job.text,
    messageId: accepted.messageId,
    ...replyLinks(job),
  };
}

/** Meta rejected the sender's token: its owner must connect again. */
export function reauthNeeded(job: SendJob, sender: SenderCredential, reason: string, codes: GraphCodes): ReauthNeeded {
  return {
    v: 1,
    id: `reauth_needed:${sender.tokenSubject.subjectType}:${sender.tokenSubject.subjectId}:${job.sendId}`,
    occurredAt: now(),
    kind: "reauth_needed",
    ...sender.tokenSubject,
    reason,
    ...codes,
  };
}
