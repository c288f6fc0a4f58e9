import { type ItemContext, type ItemOutcome, malformed } from "./item-context.js";
import { describeKeys, isJsonObject, type JsonObject } from "./json-values.js";
import { mapMessage } from "./message-event.js";
import { mapMessageEdit, mapPostback, mapReaction, mapRead, mapReferralEvent } from "./messaging-events.js";
import { type Parties, readParties } from "./parties.js";

type Mapper = (ctx: ItemContext, item: JsonObject, parties: Parties) => ItemOutcome;

/** In precedence order: the first field present decides the event (a message with a referral is a message). */
const MAPPERS: readonly (readonly [string, Mapper])[] = [
  ["message", mapMessage],
  ["message_edit", mapMessageEdit],
  ["reaction", mapReaction],
  ["postback", mapPostback],
  ["read", mapRead],
  ["referral", mapReferralEvent],
];

/** One entry.messaging[] or entry.standby[] item (or a `messages` change's value, which has the same shape). */
export function mapMessagingItem(ctx: ItemContext, item: unknown): ItemOutcome {
  if (!isJsonObject(item)) return malformed("messaging item is not an object");
  const known = MAPPERS.find(([name]) => item[name] !== undefined);
  if (known === undefined) return malformed(`messaging item with no known event field (keys: ${describeKeys(item)})`);
  const parties = readParties(item);
  if (typeof parties === "string") return malformed(parties);
  return known[1](ctx, item, parties);
}
