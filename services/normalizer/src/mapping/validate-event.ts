import { WebhookEvent } from "@igdm/contracts";
import type { EventDraft, ItemContext } from "./item-context.js";
import { withoutUndefined } from "./json-values.js";
import { unrecognisedEvent } from "./unrecognised.js";
import { describeIssues } from "./zod-issues.js";

/**
 * Defence in depth: whatever the mapping built must satisfy the contract, or it leaves as `unrecognised` with the
 * item and zod's issues, so a shape the mapping misjudged is surfaced instead of published broken or dropped.
 */
export function validateEvent(draft: EventDraft, raw: unknown, ctx: ItemContext): WebhookEvent {
  const parsed = WebhookEvent.safeParse(withoutUndefined(draft));
  if (parsed.success) return parsed.data;
  const reason = `${draft.kind} event failed the contract: ${describeIssues(parsed.error.issues)}`;
  // If even this fails, the context itself is broken: a bug, caught and reported by normalizeWebhook.
  return WebhookEvent.parse(unrecognisedEvent(ctx, raw, reason));
}
