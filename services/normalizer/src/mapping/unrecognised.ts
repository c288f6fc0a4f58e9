import type { UnrecognisedEvent } from "@igdm/contracts";
import { unrecognisedId } from "./event-ids.js";
import { baseFields, type ItemContext } from "./item-context.js";
import { field } from "./json-values.js";

/** Keeps an item the mapping could not turn into a typed event, whole, with why. */
export function unrecognisedEvent(ctx: ItemContext, raw: unknown, reason: string): UnrecognisedEvent {
  const { webhookId, ...position } = ctx.source;
  return {
    ...baseFields(ctx, field(raw, "timestamp")),
    kind: "unrecognised",
    id: unrecognisedId(webhookId, position),
    reason,
    raw,
  };
}
