import { z } from "zod";
import { AccessRevoked } from "./access-events.js";
import { AccountEvent } from "./account-events.js";
import { CommentReceived, MentionReceived, UnrecognisedEvent } from "./change-events.js";
import {
  MessageDeleted,
  MessageEdited,
  MessageRead,
  MessageReceived,
  PostbackReceived,
  ReactionChanged,
  ReferralReceived,
} from "./messaging-events.js";
import { ReplyFailed, ReplySent, SendRequested } from "./reply-events.js";

/** Events the normalizer derives from Meta's webhooks. */
export const WebhookEvent = z.discriminatedUnion("kind", [
  MessageReceived,
  MessageDeleted,
  MessageEdited,
  ReactionChanged,
  PostbackReceived,
  MessageRead,
  ReferralReceived,
  CommentReceived,
  MentionReceived,
  UnrecognisedEvent,
]);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** Every event on the EVENTS stream, discriminated by `kind`; the subject is `igdm.events.<kind>`. */
export const DomainEvent = z.discriminatedUnion("kind", [
  ...WebhookEvent.options,
  ...AccountEvent.options,
  SendRequested,
  ReplySent,
  ReplyFailed,
  AccessRevoked,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type DomainEventKind = DomainEvent["kind"];
export type WebhookEventKind = WebhookEvent["kind"];

export const DOMAIN_EVENT_KINDS = DomainEvent.options.map((o) => o.shape.kind.value) as DomainEventKind[];
