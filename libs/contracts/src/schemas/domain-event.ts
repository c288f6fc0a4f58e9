import { z } from "zod";
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

/** Every event on the EVENTS stream, discriminated by `kind`; the subject is `igdm.events.<kind>`. */
export const DomainEvent = z.discriminatedUnion("kind", [
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
export type DomainEvent = z.infer<typeof DomainEvent>;
export type DomainEventKind = DomainEvent["kind"];

export const DOMAIN_EVENT_KINDS = DomainEvent.options.map((o) => o.shape.kind.value) as DomainEventKind[];
