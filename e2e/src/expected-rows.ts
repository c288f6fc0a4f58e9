import { createHash } from "node:crypto";
import type { ExpectedEvent, TestDatabase } from "@igdm/testkit";

const afterKind = (e: ExpectedEvent) => e.id.slice(e.kind.length + 1);

/** Whether the row an expected event should have produced is in the database. */
export async function hasRowFor(db: TestDatabase, e: ExpectedEvent, webhookId: string): Promise<boolean> {
  const { sql } = db;
  switch (e.kind) {
    case "message":
      return (await sql`select 1 from messages where message_id = ${afterKind(e)}`).length === 1;
    case "message_deleted":
      return (await sql`select 1 from messages where message_id = ${afterKind(e)} and is_deleted`).length === 1;
    case "message_edited": {
      const rest = afterKind(e);
      const mid = rest.slice(0, rest.lastIndexOf(":"));
      const numEdit = Number(rest.slice(rest.lastIndexOf(":") + 1));
      return (await sql`select 1 from messages where message_id = ${mid} and edit_count >= ${numEdit}`).length === 1;
    }
    case "reaction":
      return (await sql`select 1 from message_reactions where event_id = ${e.id}`).length === 1;
    case "read":
      return (await sql`select 1 from message_reads where event_id = ${e.id}`).length === 1;
    case "postback":
      return (await sql`select 1 from postbacks where event_id = ${e.id}`).length === 1;
    case "referral":
      return (await sql`select 1 from referrals where event_id = ${e.id}`).length === 1;
    case "comment":
      return (await sql`select 1 from comments where event_id = ${e.id}`).length === 1;
    case "mention":
      return (await sql`select 1 from mentions where event_id = ${e.id}`).length === 1;
    case "unrecognised":
      // Its id embeds the webhook's sha256, which differs from the fixture's: match on the source instead.
      return (await sql`select 1 from unrecognised_events where source->>'webhookId' = ${webhookId}`).length >= 1;
  }
}

export const sha256 = (body: string | Buffer) => createHash("sha256").update(body).digest("hex");

/** The tables webhooks write (and the raw log). */
export const COUNTED_TABLES = [
  "messages",
  "message_reactions",
  "message_reads",
  "postbacks",
  "referrals",
  "comments",
  "mentions",
  "unrecognised_events",
  "webhook_logs",
] as const;

export async function rowCounts(db: TestDatabase): Promise<Record<(typeof COUNTED_TABLES)[number], number>> {
  const counts = {} as Record<(typeof COUNTED_TABLES)[number], number>;
  for (const t of COUNTED_TABLES) {
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(t)}`;
    counts[t] = row?.n ?? 0;
  }
  return counts;
}
