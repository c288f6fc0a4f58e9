import type { DebugDeadLetter, DebugInstagramAccount, DebugMessage, DebugPage, DebugToken } from "@igdm/contracts";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parse, upstreamError } from "./admin-http.js";
import type { AdminRelay } from "./admin-relay.js";
import { MetaIdParam } from "./send-routes.js";

/*
 * Read-only views answered by the persister. Query parameters are checked strictly: an unknown one is a 400, so
 * a typo (`?igid=`) cannot silently return the unfiltered view. Answers use snake_case like the /send routes.
 */

const Limit = z.coerce.number().int().min(1).max(200).default(20);
const MessagesQuery = z.strictObject({ limit: Limit, ig_id: MetaIdParam.optional() });
const DeadLettersQuery = z.strictObject({
  limit: Limit,
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/, "must be a service name (lowercase letters, digits and -)")
    .optional(),
});
const NoQuery = z.strictObject({});

const message = (m: DebugMessage) => ({
  message_id: m.messageId,
  direction: m.direction,
  ig_id: m.igId,
  page_id: m.pageId,
  sender_id: m.senderId,
  recipient_id: m.recipientId,
  text: m.text,
  attachments: m.attachments,
  is_echo: m.isEcho,
  is_deleted: m.isDeleted,
  edit_count: m.editCount,
  sent_at: m.sentAt,
  updated_at: m.updatedAt,
});

const instagramAccount = (a: DebugInstagramAccount) => ({
  id: a.id,
  username: a.username,
  login_type: a.loginType,
  page_id: a.pageId,
  token_status: a.tokenStatus,
  token_expires_at: a.tokenExpiresAt,
});

const page = (p: DebugPage) => ({
  id: p.id,
  name: p.name,
  user_id: p.userId,
  subscribed: p.subscribed,
  subscribed_fields: p.subscribedFields,
  last_subscribed_at: p.lastSubscribedAt,
  token_status: p.tokenStatus,
  has_token: p.hasToken,
  instagram_accounts: p.instagramAccounts.map(instagramAccount),
});

const token = (t: DebugToken) => ({
  subject_type: t.subjectType,
  subject_id: t.subjectId,
  status: t.status,
  has_token: t.hasToken,
  expires_at: t.expiresAt,
  refreshed_at: t.refreshedAt,
  last_validated_at: t.lastValidatedAt,
  fingerprint: t.fingerprint,
});

const deadLetter = (d: DebugDeadLetter) => ({
  dlq_seq: d.dlqSeq,
  service: d.service,
  stream: d.stream,
  consumer: d.consumer,
  subject: d.subject,
  stream_seq: d.streamSeq,
  delivery_count: d.deliveryCount,
  reason: d.reason,
  failed_at: d.failedAt,
  payload_bytes: d.payloadBytes,
  payload_preview: d.payloadPreview,
});

export function debugRoutes(app: FastifyInstance, relay: AdminRelay): void {
  app.get("/debug/messages", async (req) => {
    const query = parse(MessagesQuery, req.query, "query");
    const answer = await relay.debugMessages({ limit: query.limit, igId: query.ig_id });
    if (!answer.ok) throw upstreamError(answer, "the persister");
    return { messages: answer.messages.map(message) };
  });

  app.get("/debug/pages", async (req) => {
    parse(NoQuery, req.query, "query");
    const answer = await relay.debugPages();
    if (!answer.ok) throw upstreamError(answer, "the persister");
    return { pages: answer.pages.map(page), instagram_accounts: answer.instagramAccounts.map(instagramAccount) };
  });

  app.get("/debug/tokens", async (req) => {
    parse(NoQuery, req.query, "query");
    const answer = await relay.debugTokens();
    if (!answer.ok) throw upstreamError(answer, "the persister");
    return { tokens: answer.tokens.map(token) };
  });

  app.get("/debug/dlq", async (req) => {
    const query = parse(DeadLettersQuery, req.query, "query");
    const answer = await relay.debugDeadLetters({ limit: query.limit, service: query.service });
    if (!answer.ok) throw upstreamError(answer, "the persister");
    return { dead_letters: answer.deadLetters.map(deadLetter) };
  });
}
