import { DomainEvent } from "@igdm/contracts";
import type { Sql } from "@igdm/db";

/*
 * Test support: a factory of domain events (parsed by the contract, so it cannot drift from it) and a dump of
 * every table the persister writes. Used by the *.test.ts files only.
 */

export const ACCOUNT = "17841400000000001";
export const USER = "6543210987654321";
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

type Of<K extends DomainEvent["kind"]> = Extract<DomainEvent, { kind: K }>;

/** Meta's timestamp `ms` milliseconds after a fixed instant. */
export function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

interface Common {
  id?: string;
  at?: number;
  accountId?: string;
  object?: string;
}

function make<K extends DomainEvent["kind"]>(kind: K, id: string, o: Common, fields: object): Of<K> {
  return DomainEvent.parse({
    v: 1,
    kind,
    id: o.id ?? id,
    object: o.object ?? "instagram",
    accountId: o.accountId ?? ACCOUNT,
    occurredAt: at(o.at ?? 0),
    receivedAt: at((o.at ?? 0) + 150),
    source: { webhookId: "ab".repeat(32), streamSeq: 1, entryIndex: 0, channel: "messaging", itemIndex: 0 },
    ...fields,
  }) as Of<K>;
}

/** An inbound item: the user writes to our account. */
const inbound = { senderId: USER, recipientId: ACCOUNT };

export const ev = {
  message: (mid: string, o: Common & Partial<Of<"message">> = {}) =>
    make("message", `message:${mid}`, o, {
      ...inbound,
      mid,
      direction: "inbound",
      isEcho: false,
      text: `text of ${mid}`,
      attachments: [],
      isUnsupported: false,
      isTest: false,
      ...o,
    }),
  deleted: (mid: string, o: Common = {}) =>
    make("message_deleted", `message_deleted:${mid}:${o.at ?? 0}`, o, { ...inbound, mid }),
  edited: (mid: string, numEdit: number, o: Common & { text?: string } = {}) =>
    make("message_edited", `message_edited:${mid}:${numEdit}`, o, {
      ...inbound,
      mid,
      numEdit,
      text: o.text ?? `edit ${numEdit}`,
    }),
  reaction: (mid: string, action: "react" | "unreact", o: Common & { senderId?: string; emoji?: string } = {}) =>
    make("reaction", `reaction:${mid}:${o.senderId ?? USER}:${action}:${o.at ?? 0}`, o, {
      ...inbound,
      senderId: o.senderId ?? USER,
      mid,
      action,
      reaction: action === "react" ? "love" : undefined,
      emoji: o.emoji ?? (action === "react" ? "\u2764\ufe0f" : undefined),
    }),
  read: (mid: string, o: Common = {}) => make("read", `read:${USER}:${mid}:${o.at ?? 0}`, o, { ...inbound, mid }),
  postback: (payload: string, o: Common = {}) =>
    make("postback", `postback:${payload}:${o.at ?? 0}`, o, {
      ...inbound,
      mid: `mid.pb.${payload}`,
      title: "Yes",
      payload,
    }),
  referral: (ref: string, o: Common = {}) =>
    make("referral", `referral:${ref}:${o.at ?? 0}`, o, {
      ...inbound,
      referral: { ref, source: "ADS", type: "OPEN_THREAD", adId: "120200000000", adsContextData: { ad_title: "Sale" } },
    }),
  comment: (commentId: string, o: Common & { text?: string; field?: "comments" | "live_comments" } = {}) =>
    make("comment", `comment:${commentId}:${o.at ?? 0}`, o, {
      field: o.field ?? "comments",
      commentId,
      text: o.text ?? `comment ${commentId}`,
      fromId: USER,
      fromUsername: "someone",
      mediaId: "17900000000000001",
      mediaProductType: "FEED",
    }),
  mention: (mediaId: string, o: Common & { commentId?: string } = {}) =>
    make("mention", `mention:${mediaId}:${o.commentId ?? ""}`, o, { mediaId, commentId: o.commentId }),
  unrecognised: (key: string, o: Common & { raw?: unknown } = {}) =>
    make("unrecognised", `unrecognised:${key}`, o, {
      reason: "messaging item with no known event field (keys: pass_thread_control, sender)",
      raw: "raw" in o ? o.raw : { sender: { id: USER }, pass_thread_control: { new_owner_app_id: key } },
    }),
};

/** Every table the persister writes, with its key, in a stable order. */
export const TABLE_KEYS = {
  messages: "message_id",
  message_reactions: "message_id, reactor_id",
  message_reads: "event_id",
  postbacks: "event_id",
  referrals: "event_id",
  comments: "comment_id",
  mentions: "event_id",
  unrecognised_events: "event_id",
} as const;

/** All rows of all tables, so two states can be compared with toEqual. */
export async function dumpTables(sql: Sql): Promise<Record<string, Record<string, unknown>[]>> {
  const entries = await Promise.all(
    Object.entries(TABLE_KEYS).map(async ([table, key]) => {
      const rows = await sql.unsafe(`select * from ${table} order by ${key}`);
      return [table, rows.map((r) => ({ ...r }))];
    }),
  );
  return Object.fromEntries(entries);
}

/** Empties the tables between tests that share one database. */
export async function truncateTables(sql: Sql): Promise<void> {
  await sql.unsafe(`truncate ${Object.keys(TABLE_KEYS).join(", ")}, webhook_logs`);
}

/** Rows without the times the database stamps, which differ between two runs of the same events. */
export function withoutTimes(tables: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(tables).map(([t, rows]) => [
      t,
      rows.map((r) => {
        const { created_at: _c, updated_at: _u, ...rest } = r as Record<string, unknown>;
        return rest;
      }),
    ]),
  );
}

/** Every order of the items. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}
