import type { WebhookEvent } from "@igdm/contracts";
import { mapChangeItem } from "./change-item.js";
import { ITEM_CHANNELS, type ItemChannel, MetaEntry } from "./envelope.js";
import type { ItemContext, ItemOutcome } from "./item-context.js";
import { field, isJsonObject } from "./json-values.js";
import { mapMessagingItem } from "./messaging-item.js";
import { unrecognisedEvent } from "./unrecognised.js";
import { validateEvent } from "./validate-event.js";

/** Where this entry sits in its delivery, shared by all its items. */
export interface EntryPosition {
  object: string;
  webhookId: string;
  streamSeq: number;
  receivedAt: string;
  entryIndex: number;
}

/** The contract needs an accountId; an entry without a usable id still has to be surfaced, so it gets this one. */
export const UNKNOWN_ACCOUNT_ID = "unknown";

const MAPPERS: Record<ItemChannel, (ctx: ItemContext, item: unknown) => ItemOutcome> = {
  messaging: mapMessagingItem,
  standby: mapMessagingItem,
  changes: mapChangeItem,
};

function context(pos: EntryPosition, accountId: string, entryTime: unknown, channel: ItemContext["source"]["channel"]) {
  const { object, webhookId, streamSeq, receivedAt, entryIndex } = pos;
  return {
    object,
    accountId,
    entryTime,
    receivedAt,
    isTest: accountId === "0",
    source: { webhookId, streamSeq, entryIndex, channel, itemIndex: 0 },
  } satisfies ItemContext;
}

/** An entry-level problem, surfaced as one unrecognised event carrying the offending value. */
function surface(ctx: ItemContext, raw: unknown, reason: string): WebhookEvent {
  return validateEvent(unrecognisedEvent(ctx, raw, reason), raw, ctx);
}

/** All events of one entry[]: one per item of messaging[], standby[] and changes[], in that order. */
export function mapEntry(pos: EntryPosition, entry: unknown): WebhookEvent[] {
  const parsed = MetaEntry.safeParse(entry);
  if (!parsed.success) {
    const ctx = context(pos, UNKNOWN_ACCOUNT_ID, field(entry, "time"), "entry");
    const reason = isJsonObject(entry) ? "entry has no usable id" : "entry is not an object";
    return [surface(ctx, entry, reason)];
  }
  const accountId = String(parsed.data.id);
  const present = ITEM_CHANNELS.filter((channel) => parsed.data[channel] !== undefined);
  if (present.length === 0) {
    const ctx = context(pos, accountId, parsed.data.time, "entry");
    return [surface(ctx, entry, "entry has none of messaging, standby, changes")];
  }

  const events: WebhookEvent[] = [];
  for (const channel of present) {
    const list = parsed.data[channel];
    const channelCtx = context(pos, accountId, parsed.data.time, channel);
    if (!Array.isArray(list)) {
      events.push(surface(channelCtx, list, `entry.${channel} is not an array`));
      continue;
    }
    for (const [itemIndex, item] of list.entries()) {
      const ctx = { ...channelCtx, source: { ...channelCtx.source, itemIndex } };
      const outcome = MAPPERS[channel](ctx, item);
      const draft = outcome.ok ? outcome.draft : unrecognisedEvent(ctx, item, outcome.reason);
      events.push(validateEvent(draft, item, ctx));
    }
  }
  return events;
}
