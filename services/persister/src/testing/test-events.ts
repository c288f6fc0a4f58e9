import { createHash } from "node:crypto";
import {
  type DataDeletionCallback,
  type DeauthorizeCallback,
  DomainEvent,
  type TokenSubjectType,
  UserCallback,
} from "@igdm/contracts";
import type { Sql } from "@igdm/db";

/*
 * Test support: a factory of domain events (parsed by the contract, so it cannot drift from it) and a dump of
 * every table the persister writes. Used by the *.test.ts files only.
 */

export const ACCOUNT = "17841400000000001";
export const USER = "6543210987654321";
/** Account ids for account and token events: a Facebook user, their page and its Instagram account. */
export const FB_USER = "10220000000000001";
export const PAGE = "112233445566778";
export const IG_ACCOUNT = "17841400000000077";
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

interface AccountCommon {
  id?: string;
  at?: number;
}

function makeAccount<K extends DomainEvent["kind"]>(kind: K, id: string, o: AccountCommon, fields: object): Of<K> {
  return DomainEvent.parse({ v: 1, kind, id: o.id ?? id, occurredAt: at(o.at ?? 0), ...fields }) as Of<K>;
}

/** A well-formed ciphertext (`v1.<key id>.<iv>.<ciphertext>.<tag>`) that names its label, so tests can tell tokens apart. */
export function token(label: string): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  return `v1.k1.${b64(`iv-${label}`)}.${b64(`ciphertext-${label}`)}.${b64(`tag-${label}`)}`;
}

type TokenSubject = { subjectType?: TokenSubjectType; subjectId?: string };
const subject = (o: TokenSubject) => ({ subjectType: o.subjectType ?? "user", subjectId: o.subjectId ?? FB_USER });
const subjectKey = (o: TokenSubject) => `${o.subjectType ?? "user"}:${o.subjectId ?? FB_USER}`;

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

  /* Account and token events (token-refresher's); ids are per operation, like the real ones. */
  userConnected: (
    o: AccountCommon & { userId?: string; name?: string; token?: string; expiresAt?: number | null } = {},
  ) =>
    makeAccount("user_connected", `user_connected:${o.userId ?? FB_USER}:${o.at ?? 0}`, o, {
      userId: o.userId ?? FB_USER,
      name: o.name ?? "Ada Lovelace",
      accessTokenEnc: o.token ?? token(`user-${o.at ?? 0}`),
      tokenExpiresAt: o.expiresAt === null ? null : at(o.expiresAt ?? 60 * 86_400_000),
      scopes: ["pages_show_list", "instagram_manage_messages"],
    }),
  pageConnected: (o: AccountCommon & { pageId?: string; userId?: string; name?: string; token?: string } = {}) =>
    makeAccount("page_connected", `page_connected:${o.pageId ?? PAGE}:${o.at ?? 0}`, o, {
      pageId: o.pageId ?? PAGE,
      userId: o.userId ?? FB_USER,
      name: o.name ?? "Ada's Shop",
      accessTokenEnc: o.token ?? token(`page-${o.at ?? 0}`),
    }),
  /** Facebook Login by default (page and user, no own token); `loginType: "instagram"` gives it its own token. */
  igLinked: (
    o: AccountCommon & {
      igId?: string;
      username?: string;
      loginType?: "facebook" | "instagram";
      pageId?: string;
      userId?: string;
      appScopedUserId?: string;
      token?: string;
      expiresAt?: number | null;
    } = {},
  ) => {
    const instagram = o.loginType === "instagram";
    return makeAccount("instagram_account_linked", `instagram_account_linked:${o.igId ?? IG_ACCOUNT}:${o.at ?? 0}`, o, {
      igId: o.igId ?? IG_ACCOUNT,
      username: o.username ?? "ada.shop",
      loginType: o.loginType ?? "facebook",
      pageId: instagram ? undefined : (o.pageId ?? PAGE),
      userId: instagram ? undefined : (o.userId ?? FB_USER),
      appScopedUserId: instagram ? o.appScopedUserId : undefined,
      accessTokenEnc: instagram ? (o.token ?? token(`ig-${o.at ?? 0}`)) : undefined,
      tokenExpiresAt: instagram ? (o.expiresAt === null ? null : at(o.expiresAt ?? 60 * 86_400_000)) : undefined,
    });
  },
  pageSubscription: (
    subscribed: boolean,
    o: AccountCommon & { pageId?: string; fields?: string[]; resubscribed?: boolean } = {},
  ) =>
    makeAccount("page_subscription", `page_subscription:${o.pageId ?? PAGE}:${o.at ?? 0}`, o, {
      pageId: o.pageId ?? PAGE,
      subscribed,
      fields: o.fields ?? (subscribed ? ["messages", "messaging_postbacks"] : []),
      resubscribed: o.resubscribed ?? false,
    }),
  tokenRefreshed: (o: AccountCommon & TokenSubject & { token?: string; expiresAt?: number | null } = {}) =>
    makeAccount("token_refreshed", `token_refreshed:${subjectKey(o)}:${o.at ?? 0}`, o, {
      ...subject(o),
      accessTokenEnc: o.token ?? token(`refreshed-${subjectKey(o)}-${o.at ?? 0}`),
      tokenExpiresAt: o.expiresAt === null ? null : at(o.expiresAt ?? (o.at ?? 0) + 60 * 86_400_000),
    }),
  tokenValidated: (o: AccountCommon & TokenSubject & { expiresAt?: number | null } = {}) =>
    makeAccount("token_validated", `token_validated:${subjectKey(o)}:${o.at ?? 0}`, o, {
      ...subject(o),
      tokenExpiresAt: o.expiresAt === undefined || o.expiresAt === null ? null : at(o.expiresAt),
      scopes: ["pages_messaging"],
    }),
  tokenRefreshFailed: (o: AccountCommon & TokenSubject & { reason?: string } = {}) =>
    makeAccount("token_refresh_failed", `token_refresh_failed:${subjectKey(o)}:${o.at ?? 0}`, o, {
      ...subject(o),
      reason: o.reason ?? "Graph API 503",
    }),
  reauthNeeded: (o: AccountCommon & TokenSubject & { reason?: string } = {}) =>
    makeAccount("reauth_needed", `reauth_needed:${subjectKey(o)}:${o.at ?? 0}`, o, {
      ...subject(o),
      reason: o.reason ?? "Error validating access token: the user has not authorized application",
      errorCode: 190,
      errorSubcode: 458,
    }),

  /* Reply events (the responder's): a manual send is requested, then sent or failed. */
  sendRequested: (commandId: string, o: AccountCommon & { accountId?: string; text?: string } = {}) =>
    makeAccount("send_requested", `send_requested:${commandId}`, o, {
      commandId,
      accountId: o.accountId ?? ACCOUNT,
      recipientId: USER,
      text: o.text ?? `text of ${commandId}`,
    }),
  replySent: (
    sendId: string,
    messageId: string,
    o: AccountCommon & { accountId?: string; text?: string; inReplyTo?: string; ruleId?: string } = {},
  ) =>
    makeAccount("reply_sent", `reply_sent:${sendId}`, o, {
      sendId,
      accountId: o.accountId ?? ACCOUNT,
      recipientId: USER,
      text: o.text ?? `text of ${sendId}`,
      messageId,
      inReplyTo: o.inReplyTo,
      ruleId: o.ruleId,
    }),
  replyFailed: (
    sendId: string,
    o: AccountCommon & { reason?: string; errorCode?: number; errorSubcode?: number; text?: string } = {},
  ) =>
    makeAccount("reply_failed", `reply_failed:${sendId}:${o.at ?? 0}`, o, {
      sendId,
      accountId: ACCOUNT,
      recipientId: USER,
      text: o.text ?? `text of ${sendId}`,
      reason: o.reason ?? "outside the 24-hour window",
      errorCode: o.errorCode,
      errorSubcode: o.errorSubcode,
    }),
};

interface CallbackCommon {
  /** Distinguishes two callbacks of the same person (the id is a hash of it, like sha256 of a signed_request). */
  label?: string;
  at?: number;
  app?: "facebook" | "instagram";
}

const callbackBase = (kind: string, userId: string, o: CallbackCommon) => ({
  v: 1,
  kind,
  id: createHash("sha256")
    .update(`${kind}:${userId}:${o.label ?? ""}`)
    .digest("hex"),
  userId,
  app: o.app ?? "facebook",
  issuedAt: at(o.at ?? 0),
  receivedAt: at((o.at ?? 0) + 500),
});

/** Meta's deauthorize and data-deletion callbacks as ingress publishes them (parsed by the contract). */
export const callback = {
  deauthorize: (userId: string, o: CallbackCommon = {}) =>
    UserCallback.parse(callbackBase("deauthorize", userId, o)) as DeauthorizeCallback,
  dataDeletion: (userId: string, o: CallbackCommon & { confirmationCode?: string } = {}) =>
    UserCallback.parse({
      ...callbackBase("data_deletion", userId, o),
      confirmationCode:
        o.confirmationCode ??
        createHash("sha256")
          .update(`code:${userId}:${o.label ?? ""}`)
          .digest("hex")
          .slice(0, 20)
          .toUpperCase(),
    }) as DataDeletionCallback,
};

/** Every table the persister writes from webhook events, with its key, in a stable order. */
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

/** The tables account and token events write, with their keys; parents before children. */
export const ACCOUNT_TABLE_KEYS = {
  users: "id",
  pages: "id",
  instagram_accounts: "id",
  token_logs: "event_id",
} as const;

/** The tables reply events write (outbound_sends) and the rules the persister only reads. */
export const REPLY_TABLE_KEYS = {
  outbound_sends: "id",
  auto_reply_rules: "id",
} as const;

/** All rows of all tables, so two states can be compared with toEqual. */
export async function dumpTables(sql: Sql): Promise<Record<string, Record<string, unknown>[]>> {
  const entries = await Promise.all(
    Object.entries({ ...TABLE_KEYS, ...ACCOUNT_TABLE_KEYS, ...REPLY_TABLE_KEYS }).map(async ([table, key]) => {
      const rows = await sql.unsafe(`select * from ${table} order by ${key}`);
      return [table, rows.map((r) => ({ ...r }))];
    }),
  );
  return Object.fromEntries(entries);
}

/** Empties the tables between tests that share one database. */
export async function truncateTables(sql: Sql): Promise<void> {
  const tables = [
    ...Object.keys(TABLE_KEYS),
    ...Object.keys(ACCOUNT_TABLE_KEYS),
    ...Object.keys(REPLY_TABLE_KEYS),
    "webhook_logs",
    "dead_letters",
    "deletion_requests",
  ];
  await sql.unsafe(`truncate ${tables.join(", ")} restart identity`);
}

/**
 * Rows without what the database stamps, which differs between two runs of the same events: the times, and
 * token_logs' generated id (which follows the order of insertion).
 */
export function withoutTimes(tables: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(tables).map(([t, rows]) => [
      t,
      rows.map((r) => {
        const { created_at: _c, updated_at: _u, ...rest } = r as Record<string, unknown>;
        if (t === "token_logs") delete rest.id;
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
