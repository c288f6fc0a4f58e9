import { commentId, mentionId } from "./event-ids.js";
import { baseFields, type ItemContext, type ItemOutcome, malformed, mapped } from "./item-context.js";
import { describeKeys, field, isJsonObject, type JsonObject, optionalId, requiredId } from "./json-values.js";
import { mapMessagingItem } from "./messaging-item.js";

function mapComment(ctx: ItemContext, name: "comments" | "live_comments", value: JsonObject): ItemOutcome {
  const id = requiredId(value.id);
  if (id === undefined) return malformed(`${name} change value has no id`);
  return mapped({
    ...baseFields(ctx, undefined),
    kind: "comment",
    id: commentId(name, id),
    field: name,
    commentId: id,
    text: value.text,
    fromId: optionalId(field(value.from, "id")),
    fromUsername: field(value.from, "username"),
    mediaId: optionalId(field(value.media, "id")),
    mediaProductType: field(value.media, "media_product_type"),
    parentId: optionalId(value.parent_id),
  });
}

function mapMention(ctx: ItemContext, value: JsonObject): ItemOutcome {
  const mediaId = optionalId(value.media_id);
  const commentIdValue = optionalId(value.comment_id);
  return mapped({
    ...baseFields(ctx, undefined),
    kind: "mention",
    id: mentionId(mediaId, commentIdValue, ctx.entryTime),
    mediaId,
    commentId: commentIdValue,
  });
}

/**
 * One entry.changes[] item. `messages` is what the dashboard's Test button sends: a messaging item wrapped in a
 * change, mapped like one and marked as a test.
 */
export function mapChangeItem(ctx: ItemContext, item: unknown): ItemOutcome {
  if (!isJsonObject(item)) return malformed("change item is not an object");
  const name = item.field;
  if (typeof name !== "string") return malformed(`change item has no field (keys: ${describeKeys(item)})`);
  const known = name === "comments" || name === "live_comments" || name === "mentions" || name === "messages";
  if (!known) return malformed(`change with unknown field "${name}"`);
  const value = item.value;
  if (!isJsonObject(value)) return malformed(`${name} change has no value object`);
  if (name === "mentions") return mapMention(ctx, value);
  if (name === "messages") {
    const outcome = mapMessagingItem({ ...ctx, isTest: true }, value);
    return outcome.ok ? outcome : malformed(`messages change value: ${outcome.reason}`);
  }
  return mapComment(ctx, name, value);
}
