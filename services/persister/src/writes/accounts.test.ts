import type { DomainEvent } from "@igdm/contracts";
import { TransientError } from "@igdm/runtime";
import { describe, expect, it } from "vitest";
import { classifyDbError } from "../db-errors.js";
import { useEventsDatabase } from "../testing/events-database.js";
import {
  at,
  callback,
  dumpTables,
  ev,
  FB_USER,
  IG_ACCOUNT,
  PAGE,
  permutations,
  token,
  truncateTables,
  withoutTimes,
} from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";
import { deauthorize } from "./user-callbacks.js";

const db = useEventsDatabase();
const IG_LOGIN = "17841400000000099";
const DAY = 86_400_000;

async function row(table: "users" | "pages" | "instagram_accounts", id: string) {
  const [r] = await db.sql.unsafe(`select * from ${table} where id = $1`, [id]);
  return r;
}

async function count(table: string): Promise<number> {
  const [r] = await db.sql.unsafe(`select count(*)::int as n from ${table}`);
  return r!.n;
}

/** Empties the account tables, faster than truncating every table (for tests that loop). */
async function resetAccounts(): Promise<void> {
  await db.sql`delete from instagram_accounts`;
  await db.sql`delete from pages`;
  await db.sql`delete from users`;
  await db.sql`delete from token_logs`;
}

/** The account tables without database-stamped values, to compare two runs. */
async function dumpAccounts() {
  const tables = withoutTimes(await dumpTables(db.sql));
  return {
    users: tables.users,
    pages: tables.pages,
    instagram_accounts: tables.instagram_accounts,
    token_logs: tables.token_logs,
  };
}

/** One event of every account kind, for a user, their page, its Instagram account and an Instagram Login account. */
function accountBatch(): DomainEvent[] {
  return [
    ev.userConnected({ at: 0 }),
    ev.pageConnected({ at: 10 }),
    ev.igLinked({ at: 20 }),
    ev.igLinked({ at: 30, igId: IG_LOGIN, loginType: "instagram", username: "ig.only" }),
    ev.pageSubscription(true, { at: 40 }),
    ev.tokenRefreshed({ at: 50 }),
    ev.tokenValidated({ at: 60, subjectType: "page", subjectId: PAGE }),
    ev.tokenRefreshFailed({ at: 70, subjectType: "instagram_account", subjectId: IG_LOGIN }),
    ev.reauthNeeded({ at: 80, subjectType: "instagram_account", subjectId: IG_LOGIN }),
  ];
}

describe("persistEvents: account and token events", () => {
  it("writes every account kind to its row, parents and children linked", async () => {
    await persistEvents(db.sql, accountBatch());

    expect(await row("users", FB_USER)).toMatchObject({
      name: "Ada Lovelace",
      access_token_enc: token(`refreshed-user:${FB_USER}-50`),
      token_expires_at: new Date(at(50 + 60 * DAY)),
      token_status: "valid",
      token_refreshed_at: new Date(at(50)),
      token_updated_at: new Date(at(50)),
      connected_at: new Date(at(0)),
    });
    expect(await row("pages", PAGE)).toMatchObject({
      user_id: FB_USER,
      name: "Ada's Shop",
      access_token_enc: token("page-10"),
      token_expires_at: null,
      token_status: "valid",
      token_updated_at: new Date(at(10)),
      last_validated_at: new Date(at(60)),
      subscribed: true,
      subscribed_fields: ["messages", "messaging_postbacks"],
      last_subscribed_at: new Date(at(40)),
    });
    expect(await row("instagram_accounts", IG_ACCOUNT)).toMatchObject({
      username: "ada.shop",
      page_id: PAGE,
      user_id: FB_USER,
      login_type: "facebook",
      access_token_enc: null,
      token_updated_at: null,
      token_status: "valid",
    });
    expect(await row("instagram_accounts", IG_LOGIN)).toMatchObject({
      username: "ig.only",
      page_id: null,
      user_id: null,
      login_type: "instagram",
      access_token_enc: token("ig-30"),
      token_expires_at: new Date(at(60 * DAY)),
      token_updated_at: new Date(at(30)),
      token_refreshed_at: new Date(at(30)),
      token_status: "invalid",
      token_status_at: new Date(at(80)),
    });
  });

  it("changes nothing, not even updated_at, when the same batch is replayed 5 times", async () => {
    const batch = accountBatch();
    await persistEvents(db.sql, batch);
    const first = await dumpTables(db.sql);
    for (let i = 0; i < 5; i++) await persistEvents(db.sql, batch);
    for (let i = 0; i < 5; i++) for (const e of batch) await persistEvents(db.sql, [e]);
    expect(await dumpTables(db.sql)).toEqual(first);
    expect(await count("users")).toBe(1);
    expect(await count("pages")).toBe(1);
    expect(await count("instagram_accounts")).toBe(2);
    expect(await count("token_logs")).toBe(batch.length);
  });

  it("updates on reconnect, never duplicates, and a relink through Instagram Login drops the page link", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 0 }), ev.igLinked({ at: 0 })]);
    const OTHER_USER = "10220000000000002";
    await persistEvents(db.sql, [
      ev.userConnected({ at: 5000, name: "Ada L.", token: token("user-again"), expiresAt: 90 * DAY }),
      ev.userConnected({ at: 5000, userId: OTHER_USER, name: "Grace" }),
      ev.pageConnected({ at: 5000, userId: OTHER_USER, name: "Grace's Shop", token: token("page-again") }),
      ev.igLinked({ at: 5000, loginType: "instagram", username: "shop.renamed", token: token("ig-own") }),
    ]);

    expect(await count("users")).toBe(2);
    expect(await count("pages")).toBe(1);
    expect(await count("instagram_accounts")).toBe(1);
    expect(await row("users", FB_USER)).toMatchObject({
      name: "Ada L.",
      access_token_enc: token("user-again"),
      token_expires_at: new Date(at(90 * DAY)),
      token_updated_at: new Date(at(5000)),
      token_refreshed_at: new Date(at(5000)),
    });
    expect(await row("pages", PAGE)).toMatchObject({
      user_id: OTHER_USER,
      name: "Grace's Shop",
      access_token_enc: token("page-again"),
    });
    expect(await row("instagram_accounts", IG_ACCOUNT)).toMatchObject({
      username: "shop.renamed",
      login_type: "instagram",
      page_id: null,
      user_id: null,
      access_token_enc: token("ig-own"),
    });
  });

  it("never lets an older token event overwrite a newer one, in whatever order they arrive", async () => {
    const connect = ev.userConnected({ at: 0, token: token("old") });
    const reconnect = ev.userConnected({ at: 1000, token: token("new"), name: "Ada II", expiresAt: 70 * DAY });
    const oldRefresh = ev.tokenRefreshed({ at: 500, token: token("refresh-old") });
    const pageToken = ev.pageConnected({ at: 0, token: token("page-old") });
    const pageRefresh = ev.tokenRefreshed({ at: 900, subjectType: "page", subjectId: PAGE, token: token("page-new") });

    // Newer first, older replayed later, one at a time and as one batch.
    await persistEvents(db.sql, [reconnect, pageRefresh]);
    await persistEvents(db.sql, [connect]);
    await persistEvents(db.sql, [oldRefresh]);
    await persistEvents(db.sql, [pageToken]);
    await persistEvents(db.sql, [connect, oldRefresh, pageToken]);

    expect(await row("users", FB_USER)).toMatchObject({
      name: "Ada II",
      access_token_enc: token("new"),
      token_expires_at: new Date(at(70 * DAY)),
      token_updated_at: new Date(at(1000)),
      token_refreshed_at: new Date(at(1000)),
      connected_at: new Date(at(1000)),
    });
    expect(await row("pages", PAGE)).toMatchObject({
      access_token_enc: token("page-new"),
      token_updated_at: new Date(at(900)),
      token_refreshed_at: new Date(at(900)),
      name: "Ada's Shop", // the page's profile still comes from its (only) connect
    });
  });

  it("keeps the newest status: an old validation replayed after re-auth needed does not make it valid", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 })]);
    await persistEvents(db.sql, [ev.tokenValidated({ at: 100, expiresAt: 30 * DAY })]);
    await persistEvents(db.sql, [ev.reauthNeeded({ at: 200 })]);
    await persistEvents(db.sql, [ev.tokenValidated({ at: 100, expiresAt: 30 * DAY }), ev.userConnected({ at: 0 })]);
    expect(await row("users", FB_USER)).toMatchObject({
      token_status: "invalid",
      token_status_at: new Date(at(200)),
      last_validated_at: new Date(at(100)),
      token_expires_at: new Date(at(30 * DAY)),
    });

    // Only something newer makes it valid again: a reconnect (or a refresh).
    await persistEvents(db.sql, [ev.userConnected({ at: 300, token: token("regranted") })]);
    expect(await row("users", FB_USER)).toMatchObject({ token_status: "valid", access_token_enc: token("regranted") });
  });

  it("lets re-auth needed win a tie with a refresh or validation of the same instant, in either order", async () => {
    const tie = [ev.tokenRefreshed({ at: 100 }), ev.tokenValidated({ at: 100 }), ev.reauthNeeded({ at: 100 })];
    for (const order of [...permutations(tie), tie]) {
      await resetAccounts();
      await persistEvents(db.sql, [ev.userConnected({ at: 0 })]);
      if (order === tie) await persistEvents(db.sql, order);
      else for (const e of order) await persistEvents(db.sql, [e]);
      expect(await row("users", FB_USER)).toMatchObject({
        token_status: "invalid",
        token_status_at: new Date(at(100)),
      });
    }
  });

  it("never lifts 'revoked' with a validation or turns it 'invalid'; a reconnect does lift it", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 })]);
    await db.sql`update users set token_status = 'revoked', token_status_at = ${at(10)}`;
    await persistEvents(db.sql, [ev.tokenValidated({ at: 100 }), ev.reauthNeeded({ at: 200 })]);
    expect(await row("users", FB_USER)).toMatchObject({
      token_status: "revoked",
      last_validated_at: new Date(at(100)),
    });
    await persistEvents(db.sql, [ev.userConnected({ at: 300 })]);
    expect(await row("users", FB_USER)).toMatchObject({ token_status: "valid" });
  });

  it("keeps a deauthorized account revoked, without a token, whatever refresh or check arrives after it", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 }), ev.igLinked({ at: 20 })]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 1000 }));
    const revoked = {
      token_status: "revoked",
      access_token_enc: null,
      token_status_at: new Date(at(1999)),
      token_updated_at: new Date(at(1999)),
    };
    // A refresh that raced the deauthorize (it read the credential before), checks, and an old connect replayed.
    await persistEvents(db.sql, [
      ev.tokenRefreshed({ at: 2000 }),
      ev.tokenRefreshed({ at: 2000, subjectType: "page", subjectId: PAGE }),
      ev.tokenValidated({ at: 2100 }),
      ev.tokenValidated({ at: 2100, subjectType: "page", subjectId: PAGE }),
      ev.tokenValidated({ at: 2100, subjectType: "instagram_account", subjectId: IG_ACCOUNT }),
    ]);
    await persistEvents(db.sql, [ev.userConnected({ at: 500 }), ev.pageConnected({ at: 500 })]);
    expect(await row("users", FB_USER)).toMatchObject(revoked);
    expect(await row("pages", PAGE)).toMatchObject(revoked);
    expect(await row("instagram_accounts", IG_ACCOUNT)).toMatchObject(revoked);
    const tokens = await db.sql`
      select id from users where access_token_enc is not null
      union all select id from pages where access_token_enc is not null`;
    expect(tokens).toHaveLength(0);

    // Only a connect newer than the callback makes it valid again, with the new token.
    await persistEvents(db.sql, [
      ev.userConnected({ at: 3000 }),
      ev.pageConnected({ at: 3000 }),
      ev.igLinked({ at: 3000 }),
    ]);
    expect(await row("users", FB_USER)).toMatchObject({ token_status: "valid", access_token_enc: token("user-3000") });
    expect(await row("pages", PAGE)).toMatchObject({ token_status: "valid", access_token_enc: token("page-3000") });
    expect(await row("instagram_accounts", IG_ACCOUNT)).toMatchObject({ token_status: "valid" });
  });

  it("keeps a deauthorized Instagram Login account revoked after a refresh; a newer link lifts it", async () => {
    await persistEvents(db.sql, [ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram" })]);
    await deauthorize(db.sql, callback.deauthorize(IG_LOGIN, { at: 1000, app: "instagram" }));
    await persistEvents(db.sql, [
      ev.tokenRefreshed({ at: 2000, subjectType: "instagram_account", subjectId: IG_LOGIN }),
      ev.tokenValidated({ at: 2100, subjectType: "instagram_account", subjectId: IG_LOGIN }),
    ]);
    expect(await row("instagram_accounts", IG_LOGIN)).toMatchObject({
      token_status: "revoked",
      access_token_enc: null,
    });
    await persistEvents(db.sql, [ev.igLinked({ at: 3000, igId: IG_LOGIN, loginType: "instagram" })]);
    expect(await row("instagram_accounts", IG_LOGIN)).toMatchObject({
      token_status: "valid",
      access_token_enc: token("ig-3000"),
    });
  });

  it("does not revoke what was connected again after Meta issued the deauthorize", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 })]);
    await persistEvents(db.sql, [ev.userConnected({ at: 3000 }), ev.pageConnected({ at: 3000 })]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 1000 }));
    expect(await row("users", FB_USER)).toMatchObject({ token_status: "valid", access_token_enc: token("user-3000") });
    expect(await row("pages", PAGE)).toMatchObject({ token_status: "valid", access_token_enc: token("page-3000") });
    expect(await db.sql`select 1 from token_logs where event = 'revoked'`).toHaveLength(0);
  });

  it("changes no state on a refresh failure, only logs it", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 })]);
    const before = await row("users", FB_USER);
    await persistEvents(db.sql, [ev.tokenRefreshFailed({ at: 100 })]);
    expect(await row("users", FB_USER)).toEqual(before);
    const [log] =
      await db.sql`select event, detail from token_logs where event_id = ${`token_refresh_failed:user:${FB_USER}:100`}`;
    expect(log).toEqual({ event: "refresh_failed", detail: { reason: "Graph API 503" } });
  });

  it("takes the expiry from the newest of the token's event and the checks after it", async () => {
    const connect = ev.userConnected({ at: 0, expiresAt: 60 * DAY });
    const check = ev.tokenValidated({ at: 100, expiresAt: 59 * DAY });
    const refresh = ev.tokenRefreshed({ at: 200, expiresAt: 90 * DAY });
    const olderCheck = ev.tokenValidated({ at: 50, expiresAt: 58 * DAY });
    for (const order of permutations([connect, check, refresh, olderCheck])) {
      await resetAccounts();
      for (const e of order) await persistEvents(db.sql, [e]);
      expect(await row("users", FB_USER)).toMatchObject({ token_expires_at: new Date(at(90 * DAY)) });
    }
    for (const order of permutations([connect, check, olderCheck])) {
      await resetAccounts();
      for (const e of order) await persistEvents(db.sql, [e]);
      expect(await row("users", FB_USER)).toMatchObject({ token_expires_at: new Date(at(59 * DAY)) });
    }
  });

  it("ends in the same rows for every order of single events as for one batch", async () => {
    const groups: Record<string, DomainEvent[]> = {
      "one user's token": [
        ev.userConnected({ at: 0 }),
        ev.tokenValidated({ at: 50, expiresAt: 61 * DAY }),
        ev.tokenRefreshed({ at: 100 }),
        ev.tokenValidated({ at: 150, expiresAt: 80 * DAY }),
        ev.reauthNeeded({ at: 200 }),
      ],
      "a page, its subscriptions and its user": [
        ev.pageConnected({ at: 10 }),
        ev.pageSubscription(true, { at: 20 }),
        ev.reauthNeeded({ at: 200, subjectType: "page", subjectId: PAGE }),
        ev.pageSubscription(false, { at: 300 }),
        ev.userConnected({ at: 400, name: "Ada II" }),
      ],
    };
    for (const [name, events] of Object.entries(groups)) {
      await resetAccounts();
      await persistEvents(db.sql, events);
      const inOneBatch = await dumpAccounts();
      for (const order of permutations(events)) {
        await resetAccounts();
        for (const e of order) await persistEvents(db.sql, [e]);
        expect(await dumpAccounts(), `${name}: ${order.map((e) => e.id).join(", ")}`).toEqual(inOneBatch);
      }
    }
    expect(await row("pages", PAGE)).toMatchObject({
      token_status: "invalid",
      subscribed: false,
      subscribed_fields: [],
      last_subscribed_at: new Date(at(20)),
    });
  });

  it("accepts children before their parents, across batches and within one", async () => {
    // Instagram account, then its page, then the user, each in its own batch.
    await persistEvents(db.sql, [ev.igLinked({ at: 20 })]);
    expect(await row("users", FB_USER)).toMatchObject({ name: null, access_token_enc: null });
    expect(await row("pages", PAGE)).toMatchObject({ user_id: FB_USER, name: null, access_token_enc: null });
    await persistEvents(db.sql, [ev.pageSubscription(true, { at: 30 })]);
    await persistEvents(db.sql, [ev.pageConnected({ at: 10 })]);
    await persistEvents(db.sql, [ev.userConnected({ at: 0 })]);
    const acrossBatches = withoutTimes(await dumpTables(db.sql));
    expect(await row("users", FB_USER)).toMatchObject({ name: "Ada Lovelace", access_token_enc: token("user-0") });
    expect(await row("pages", PAGE)).toMatchObject({ name: "Ada's Shop", subscribed: true, user_id: FB_USER });

    await truncateTables(db.sql);
    await persistEvents(db.sql, [
      ev.pageSubscription(true, { at: 30 }),
      ev.igLinked({ at: 20 }),
      ev.pageConnected({ at: 10 }),
      ev.userConnected({ at: 0 }),
    ]);
    expect(withoutTimes(await dumpTables(db.sql))).toEqual(acrossBatches);
  });

  it("keeps the state of a token or subscription event for a page whose page_connected comes later", async () => {
    const OTHER_PAGE = "998877665544332";
    await persistEvents(db.sql, [
      ev.pageSubscription(true, { at: 30, pageId: OTHER_PAGE }),
      ev.reauthNeeded({ at: 40, subjectType: "page", subjectId: OTHER_PAGE }),
    ]);
    expect(await row("pages", OTHER_PAGE)).toMatchObject({ user_id: null, subscribed: true, token_status: "invalid" });
    await persistEvents(db.sql, [ev.pageConnected({ at: 10, pageId: OTHER_PAGE })]);
    expect(await row("pages", OTHER_PAGE)).toMatchObject({
      user_id: FB_USER,
      name: "Ada's Shop",
      subscribed: true,
      token_status: "invalid", // the re-auth signal is newer than the connect
    });
  });

  it("records page subscriptions: newest state wins, last_subscribed_at is the newest subscribed one", async () => {
    await persistEvents(db.sql, [ev.pageConnected({ at: 0 })]);
    await persistEvents(db.sql, [ev.pageSubscription(false, { at: 200 })]);
    await persistEvents(db.sql, [ev.pageSubscription(true, { at: 100, fields: ["messages"] })]);
    expect(await row("pages", PAGE)).toMatchObject({
      subscribed: false,
      subscribed_fields: [],
      last_subscribed_at: new Date(at(100)),
      subscription_updated_at: new Date(at(200)),
    });
    await persistEvents(db.sql, [ev.pageSubscription(true, { at: 300, resubscribed: true, fields: ["messages"] })]);
    expect(await row("pages", PAGE)).toMatchObject({
      subscribed: true,
      subscribed_fields: ["messages"],
      last_subscribed_at: new Date(at(300)),
    });
  });

  it("logs every account event once, with a readable name and no token in the detail", async () => {
    const batch = [
      ...accountBatch(),
      ev.pageSubscription(true, { at: 90, resubscribed: true }),
      ev.pageSubscription(false, { at: 95 }),
      ev.tokenRefreshed({ at: 96, subjectType: "instagram_account", subjectId: IG_LOGIN }),
    ];
    await persistEvents(db.sql, batch);
    await persistEvents(db.sql, batch);
    const logs = await db.sql`
      select event_id, subject_type, subject_id, event, detail, occurred_at from token_logs order by occurred_at`;
    const IG = "instagram_account";
    const expected = [
      ["user", FB_USER, "connected"],
      ["page", PAGE, "connected"],
      [IG, IG_ACCOUNT, "connected"],
      [IG, IG_LOGIN, "connected"],
      ["page", PAGE, "subscribed"],
      ["user", FB_USER, "refreshed"],
      ["page", PAGE, "validated"],
      [IG, IG_LOGIN, "refresh_failed"],
      [IG, IG_LOGIN, "invalidated"],
      ["page", PAGE, "resubscribed"],
      ["page", PAGE, "unsubscribed"],
      [IG, IG_LOGIN, "refreshed"],
    ];
    expect(logs.map((l) => [l.event_id, l.subject_type, l.subject_id, l.event])).toEqual(
      batch.map((e, i) => [e.id, ...expected[i]!]),
    );
    expect(logs.map((l) => l.occurred_at)).toEqual(batch.map((e) => new Date(e.occurredAt)));
    expect(logs[0]!.detail).toEqual({
      name: "Ada Lovelace",
      tokenExpiresAt: at(60 * DAY),
      scopes: ["pages_show_list", "instagram_manage_messages"],
    });
    expect(logs[8]!.detail).toEqual({
      reason: expect.stringContaining("has not authorized"),
      errorCode: 190,
      errorSubcode: 458,
    });
    for (const l of logs) {
      const text = JSON.stringify(l.detail);
      expect(text).not.toMatch(/v1\.|accessToken|ciphertext|token_enc/i);
    }
    // Every ciphertext the events carried is in the account tables, none in the log.
    const [leaked] = await db.sql`select count(*)::int as n from token_logs where detail::text like '%v1.k1.%'`;
    expect(leaked!.n).toBe(0);
  });

  it("writes webhook and account events of one batch in one transaction: all or nothing", async () => {
    const batch = [ev.message("mid.1"), ...accountBatch(), ev.comment("18000000000000001")];
    await db.sql`alter table token_logs rename to token_logs_moved`;
    try {
      const failure = await persistEvents(db.sql, batch).catch((e: unknown) => e);
      expect(classifyDbError(failure)).toBeInstanceOf(TransientError);
      for (const table of ["messages", "comments", "users", "pages", "instagram_accounts"]) {
        expect(await count(table), table).toBe(0);
      }
    } finally {
      await db.sql`alter table token_logs_moved rename to token_logs`;
    }
    await persistEvents(db.sql, batch);
    expect(await count("messages")).toBe(1);
    expect(await count("users")).toBe(1);
    expect(await count("token_logs")).toBe(accountBatch().length);
  });
});
