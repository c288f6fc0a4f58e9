import { mapAttachments } from "./attachments.js";
import { messageDeletedId, messageId } from "./event-ids.js";
import { baseFields, type ItemContext, type ItemOutcome, malformed, mapped } from "./item-context.js";
import { field, isJsonObject, type JsonObject, optionalId, requiredId } from "./json-values.js";
import type { Parties } from "./parties.js";
import { mapReferral } from "./referral.js";

function mapReplyTo(replyTo: unknown) {
  if (!isJsonObject(replyTo)) return undefined;
  const story = isJsonObject(replyTo.story)
    ? { id: optionalId(replyTo.story.id), url: replyTo.story.url }
    : replyTo.story;
  return { mid: optionalId(replyTo.mid), story };
}

/**
 * `message` -> `message`, or `message_deleted` when the sender unsent it. A click-to-DM ad puts the referral in
 * the message; a top-level referral beside a message is kept on the message too rather than lost.
 */
export function mapMessage(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const message = item.message;
  if (!isJsonObject(message)) return malformed("message is not an object");
  const mid = requiredId(message.mid);
  if (mid === undefined) return malformed("message has no mid");
  const base = { ...baseFields(ctx, item.timestamp), ...parties, mid };
  if (message.is_deleted === true) return mapped({ ...base, kind: "message_deleted", id: messageDeletedId(mid) });

  const attachments = mapAttachments(message.attachments);
  if (typeof attachments === "string") return malformed(attachments);
  const referral = isJsonObject(message.referral) ? message.referral : item.referral;
  const isEcho = message.is_echo === true;
  return mapped({
    ...base,
    kind: "message",
    id: messageId(mid),
    direction: isEcho ? "outbound" : "inbound",
    isEcho,
    text: message.text,
    attachments,
    quickReplyPayload: field(message.quick_reply, "payload"),
    replyTo: mapReplyTo(message.reply_to),
    referral: isJsonObject(referral) ? mapReferral(referral) : undefined,
    isUnsupported: message.is_unsupported === true,
    isTest: ctx.isTest,
  });
}
