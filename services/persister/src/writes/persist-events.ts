import type {
  CommentReceived,
  DomainEvent,
  MentionReceived,
  MessageDeleted,
  MessageEdited,
  MessageRead,
  MessageReceived,
  PostbackReceived,
  ReactionChanged,
  ReferralReceived,
  UnrecognisedEvent,
} from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { insertMentions, upsertComments } from "./comments.js";
import { insertPostbacks, insertReads, insertReferrals } from "./interactions.js";
import { applyMessageEdits, markMessagesDeleted, upsertMessages } from "./messages.js";
import { upsertReactions } from "./reactions.js";
import { insertUnrecognised } from "./unrecognised.js";

interface Groups {
  message: MessageReceived[];
  message_edited: MessageEdited[];
  message_deleted: MessageDeleted[];
  reaction: ReactionChanged[];
  read: MessageRead[];
  postback: PostbackReceived[];
  referral: ReferralReceived[];
  comment: CommentReceived[];
  mention: MentionReceived[];
  unrecognised: UnrecognisedEvent[];
}

function groupByKind(events: readonly DomainEvent[]): Groups {
  const groups: Groups = {
    message: [],
    message_edited: [],
    message_deleted: [],
    reaction: [],
    read: [],
    postback: [],
    referral: [],
    comment: [],
    mention: [],
    unrecognised: [],
  };
  for (const e of events) (groups[e.kind] as DomainEvent[]).push(e);
  return groups;
}

/**
 * Writes a batch in one transaction: one set-based statement per kind present, all pipelined. Every statement is
 * idempotent and the message statements commute, so a redelivered or reordered batch leaves the same rows; within
 * a statement, duplicates of one key are reduced to the right winner (see each statement).
 */
export async function persistEvents(sql: Sql, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const g = groupByKind(events);
  await sql.begin((tx) => {
    const statements = [];
    if (g.message.length) statements.push(upsertMessages(tx, g.message));
    if (g.message_edited.length) statements.push(applyMessageEdits(tx, g.message_edited));
    if (g.message_deleted.length) statements.push(markMessagesDeleted(tx, g.message_deleted));
    if (g.reaction.length) statements.push(upsertReactions(tx, g.reaction));
    if (g.read.length) statements.push(insertReads(tx, g.read));
    if (g.postback.length) statements.push(insertPostbacks(tx, g.postback));
    if (g.referral.length) statements.push(insertReferrals(tx, g.referral));
    if (g.comment.length) statements.push(upsertComments(tx, g.comment));
    if (g.mention.length) statements.push(insertMentions(tx, g.mention));
    if (g.unrecognised.length) statements.push(insertUnrecognised(tx, g.unrecognised));
    return statements;
  });
}
