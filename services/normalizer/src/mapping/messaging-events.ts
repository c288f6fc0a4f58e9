import { messageEditedId, postbackId, reactionId, readId, referralId } from "./event-ids.js";
import { baseFields, type ItemContext, type ItemOutcome, malformed, mapped } from "./item-context.js";
import { describeKeys, isJsonObject, type JsonObject, optionalId, requiredId } from "./json-values.js";
import type { Parties } from "./parties.js";
import { mapReferral } from "./referral.js";

/** The non-message messaging events; each reads `item[name]`, already known to be present. */

function eventObject(item: JsonObject, name: string): JsonObject | string {
  const value = item[name];
  return isJsonObject(value) ? value : `${name} is not an object`;
}

export function mapMessageEdit(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const edit = eventObject(item, "message_edit");
  if (typeof edit === "string") return malformed(edit);
  const mid = requiredId(edit.mid);
  if (mid === undefined) return malformed("message_edit has no mid");
  return mapped({
    ...baseFields(ctx, item.timestamp),
    ...parties,
    kind: "message_edited",
    id: messageEditedId(mid, edit.num_edit),
    mid,
    text: edit.text,
    numEdit: edit.num_edit,
  });
}

export function mapReaction(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const reaction = eventObject(item, "reaction");
  if (typeof reaction === "string") return malformed(reaction);
  const mid = requiredId(reaction.mid);
  if (mid === undefined) return malformed("reaction has no mid");
  const { action, reaction: name, emoji } = reaction;
  return mapped({
    ...baseFields(ctx, item.timestamp),
    ...parties,
    kind: "reaction",
    id: reactionId({ mid, sender: parties.senderId, action, reaction: name, emoji, timestamp: item.timestamp }),
    mid,
    action,
    reaction: name,
    emoji,
  });
}

export function mapPostback(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const postback = eventObject(item, "postback");
  if (typeof postback === "string") return malformed(postback);
  const mid = optionalId(postback.mid);
  return mapped({
    ...baseFields(ctx, item.timestamp),
    ...parties,
    kind: "postback",
    id: postbackId({ mid, sender: parties.senderId, timestamp: item.timestamp, payload: postback.payload }),
    mid,
    title: postback.title,
    payload: postback.payload,
  });
}

export function mapRead(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const read = eventObject(item, "read");
  if (typeof read === "string") return malformed(read);
  // Messenger's read carries a `watermark` instead of a mid; the contract needs the mid, so it stays unrecognised.
  const mid = requiredId(read.mid);
  if (mid === undefined) return malformed(`read has no mid (keys: ${describeKeys(read)})`);
  return mapped({
    ...baseFields(ctx, item.timestamp),
    ...parties,
    kind: "read",
    id: readId(parties.senderId, mid),
    mid,
  });
}

export function mapReferralEvent(ctx: ItemContext, item: JsonObject, parties: Parties): ItemOutcome {
  const referral = eventObject(item, "referral");
  if (typeof referral === "string") return malformed(referral);
  return mapped({
    ...baseFields(ctx, item.timestamp),
    ...parties,
    kind: "referral",
    id: referralId(parties.senderId, item.timestamp, referral.ref),
    referral: mapReferral(referral),
  });
}
