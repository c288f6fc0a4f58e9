import type { FastifyRequest } from "fastify";
import { paramError } from "./errors.js";
import { structuredParam } from "./http.js";

/**
 * Webhook fields Meta accepts on `subscribed_apps`: Messenger Page fields and Instagram messaging fields (the
 * sandbox takes both on both hosts), plus common Page fields.
 */
export const SUBSCRIBABLE_FIELDS: readonly string[] = [
  "messages",
  "message_echoes",
  "message_deliveries",
  "message_reads",
  "message_reactions",
  "message_edits",
  "message_edit",
  "messaging_postbacks",
  "messaging_optins",
  "messaging_referrals",
  "messaging_referral",
  "messaging_seen",
  "messaging_handovers",
  "messaging_handover",
  "messaging_policy_enforcement",
  "messaging_account_linking",
  "messaging_feedback",
  "messaging_customer_information",
  "messaging_game_plays",
  "messaging_payments",
  "messaging_pre_checkouts",
  "messaging_checkout_updates",
  "standby",
  "inbox_labels",
  "feed",
  "mention",
  "comments",
  "live_comments",
  "mentions",
  "story_insights",
];

/** `subscribed_fields` as a comma list or an array, every name known, at least one. */
export function subscribedFieldsOf(request: FastifyRequest): string[] {
  const raw = structuredParam(request, "subscribed_fields");
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(",") : [];
  const fields = [...new Set(list.map((f) => f.trim()).filter(Boolean))];
  if (fields.length === 0) throw paramError("(#100) The parameter subscribed_fields is required");
  fields.forEach((field, i) => {
    if (!SUBSCRIBABLE_FIELDS.includes(field)) {
      throw paramError(
        `(#100) Param subscribed_fields[${i}] must be one of {${SUBSCRIBABLE_FIELDS.join(", ")}} - got "${field}"`,
      );
    }
  });
  return fields;
}
