import { createHash } from "node:crypto";
import type { EventSource } from "@igdm/contracts";
import { timestampKey } from "./timestamps.js";

/** The contract's limit on `id` (also a sane Nats-Msg-Id length). */
export const MAX_EVENT_ID_LENGTH = 512;

function segment(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

/**
 * The id is also the event's Nats-Msg-Id, and NATS refuses \r and \n in a header value: a postback payload or mid
 * carrying a line break made an id that could never be published (retried, then dead-lettered; found by fuzzing).
 */
const UNPUBLISHABLE = /[\r\n]/;

/**
 * `<prefix>:<parts joined by ":">`. An id over the limit, or one NATS could not carry, keeps its prefix and replaces
 * the tail by its sha256, marked "sha256:" so it cannot pass for a short id made of the same prefix and a 64-hex value.
 */
export function eventId(prefix: string, parts: readonly unknown[]): string {
  const tail = parts.map(segment).join(":");
  const id = `${prefix}:${tail}`;
  if (id.length <= MAX_EVENT_ID_LENGTH && !UNPUBLISHABLE.test(id)) return id;
  return `${prefix}:sha256:${createHash("sha256").update(tail).digest("hex")}`;
}

export const messageId = (mid: string) => eventId("message", [mid]);
export const messageDeletedId = (mid: string) => eventId("message_deleted", [mid]);
export const messageEditedId = (mid: string, numEdit: unknown) => eventId("message_edited", [mid, numEdit]);

export function reactionId(r: {
  mid: string;
  sender: string;
  action: unknown;
  reaction: unknown;
  emoji: unknown;
  timestamp: unknown;
}): string {
  const what = segment(r.reaction) || segment(r.emoji);
  return eventId("reaction", [r.mid, r.sender, r.action, what, timestampKey(r.timestamp)]);
}

export function postbackId(p: { mid: unknown; sender: string; timestamp: unknown; payload: unknown }): string {
  const mid = segment(p.mid);
  return mid ? eventId("postback", [mid]) : eventId("postback", [p.sender, timestampKey(p.timestamp), p.payload]);
}

export const readId = (sender: string, mid: string) => eventId("read", [sender, mid]);
export const referralId = (sender: string, timestamp: unknown, ref: unknown) =>
  eventId("referral", [sender, timestampKey(timestamp), ref]);
export const commentId = (field: string, id: string) => eventId(field, [id]);
export const mentionId = (mediaId: unknown, commentId: unknown, entryTime: unknown) =>
  eventId("mention", [mediaId, commentId, timestampKey(entryTime)]);

/** Position-based, so only unique within one raw webhook: unknown items have no Meta id to derive from. */
export function unrecognisedId(webhookId: string, source: Omit<EventSource, "webhookId" | "streamSeq">): string {
  return eventId("unrecognised", [webhookId, source.entryIndex, source.channel, source.itemIndex]);
}
