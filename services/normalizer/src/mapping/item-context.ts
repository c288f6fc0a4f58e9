import type { EventSource, WebhookEvent } from "@igdm/contracts";
import { occurredAt } from "./timestamps.js";

/**
 * An event before validation: every key of its contract, values not yet checked (only `kind` is typed). The
 * mapping copies Meta's values through and WebhookEvent.parse decides, so a wrong type is caught in one place.
 */
export type EventDraft = WebhookEvent extends infer E
  ? E extends WebhookEvent
    ? { [K in keyof E]: K extends "kind" ? E[K] : unknown }
    : never
  : never;

/** What an item's mapping needs to know about its delivery and its entry. */
export interface ItemContext {
  object: string;
  accountId: string;
  entryTime: unknown;
  receivedAt: string;
  /** Entry id "0" (the dashboard's Test button) or a `messages` change. */
  isTest: boolean;
  source: EventSource;
}

/** The fields every event carries; occurredAt is the item's own timestamp, else entry.time, else receivedAt. */
export function baseFields(ctx: ItemContext, itemTimestamp: unknown) {
  return {
    v: 1 as const,
    object: ctx.object,
    accountId: ctx.accountId,
    occurredAt: occurredAt([itemTimestamp, ctx.entryTime], ctx.receivedAt),
    receivedAt: ctx.receivedAt,
    source: ctx.source,
  };
}

/** An item mapping either yields a draft or says what is wrong with the item. */
export type ItemOutcome = { ok: true; draft: EventDraft } | { ok: false; reason: string };

export const mapped = (draft: EventDraft): ItemOutcome => ({ ok: true, draft });
export const malformed = (reason: string): ItemOutcome => ({ ok: false, reason });
