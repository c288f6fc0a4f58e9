import type { GraphApiError } from "@igdm/meta";
import { counter } from "@igdm/runtime";

/** Automatic replies answer an inbound message; manual sends come from the admin API. */
export type SendMode = "auto" | "manual";

/**
 * Why a send did not go out, as a closed set (never Meta's text: labels must stay few):
 * - no_sender: the persister has no sending credential for the account
 * - token_invalid: the stored token is already invalid or revoked
 * - token_rejected: Meta rejected the token (190) just now
 * - rate_limited: Meta answered "not now" (rate limit, 5xx); the claim is released and the send retried
 * - no_answer: Meta did not answer; reported failed, never retried (it may have landed)
 * - outcome_unknown: the responder stopped during the Send API call (a `sending` claim past its lease); reported
 *   failed, never retried (it may have landed)
 * - outside_window: the 24-hour window is closed (10/2018278)
 * - user_unavailable: the person cannot be messaged (551, or subcode 1545041)
 * - graph_error: any other refusal by Meta
 * - internal: anything else (e.g. a token that does not decrypt)
 */
export type SendFailureReason =
  | "no_sender"
  | "token_invalid"
  | "token_rejected"
  | "rate_limited"
  | "no_answer"
  | "outcome_unknown"
  | "outside_window"
  | "user_unavailable"
  | "graph_error"
  | "internal";

export const repliesSent = counter(
  "igdm_replies_sent_total",
  "Messages the Send API accepted, by mode (auto, manual)",
  ["mode"],
);

export const repliesFailed = counter(
  "igdm_replies_failed_total",
  "Send attempts that failed, by a bounded reason (rate_limited ones are retried)",
  ["reason"],
);

export const sendMode = (job: { inReplyTo?: string }): SendMode => (job.inReplyTo ? "auto" : "manual");

/** The reason label of a Graph refusal with action `stop`. */
export function refusalReason(err: GraphApiError): SendFailureReason {
  if (err.graphCode === 10 && err.subcode === 2018278) return "outside_window";
  if (err.graphCode === 551 || err.subcode === 1545041) return "user_unavailable";
  return "graph_error";
}

export function countFailure(reason: SendFailureReason): void {
  repliesFailed.inc({ reason });
}
