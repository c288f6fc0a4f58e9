import { createHash } from "node:crypto";
import { type DomainEvent, RawWebhook } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { at, callback, dumpTables, ev, FB_USER, IG_ACCOUNT, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";
import { DELETED_TABLES, deauthorize, deleteUserData, recordFailedDeletion, userHash } from "./user-callbacks.js";
import { persistWebhookLogs } from "./webhook-logs.js";

const db = useEventsDatabase();

interface Person {
  tag: string;
  user: string;
  page: string;
  ig: string;
}

const ADA: Person = { tag: "ada", user: FB_USER, page: PAGE, ig: IG_ACCOUNT };
const BOB: Person = { tag: "bob", user: "10220000000000002", page: "112233445566779", ig: "17841400000000078" };
const IG_LOGIN = "17841400000000099";
/** A DM sender (not one of our users): their messages belong to the account they wrote to. */
const SENDER = "6543210987654321";

let webhookSeq = 0;
/** A raw webhook body with one entry per account id. */
function rawWebhook(object: string, accountIds: string[]): RawWebhook {
  const bytes = Buffer.from(
    JSON.stringify({ object, entry: accountIds.map((id) => ({ id, time: 1764324000000, messaging: [] })) }),
  );
  webhookSeq++;
  return RawWebhook.parse({
    v: 1,
    id: createHash("sha256").update(bytes).digest("hex"),
    requestId: `req-${webhookSeq}`,
    receivedAt: at(webhookSeq),
    signedWith: "app",
    headers: {},
    headerNames: [],
    body: bytes.toString("base64"),
  });
}

/** The account events of a person: user, page (Facebook Login) and its Instagram account. */
function accountEvents(p: Person, atMs = 0): DomainEvent[] {
  return [
    ev.userConnected({ at: atMs, userId: p.user }),
    ev.pageConnected({ at: atMs + 10, pageId: p.page, userId: p.user }),
    ev.igLinked({ at: atMs + 20, igId: p.ig, pageId: p.page, userId: p.user }),
    ev.tokenRefreshed({ at: atMs + 30, subjectType: "user", subjectId: p.user }),
  ];
}

/** One row in every table for the person's accounts, with ids of their own. */
async function writePerson(p: Person): Promise<void> {
  const t = p.tag;
  const ig = { accountId: p.ig };
  await persistEvents(db.sql, [
    ...accountEvents(p),
    ev.message(`mid.${t}.1`, ig),
    ev.message(`mid.${t}.page`, { accountId: p.page, object: "page" }),
    ev.reaction(`mid.${t}.1`, "react", ig),
    ev.read(`mid.${t}.1`, ig),
    ev.postback(`pb-${t}`, ig),
    ev.referral(`ref-${t}`, ig),
    ev.comment(`c-${t}`, ig),
    ev.mention(`media-${t}`, ig),
    ev.unrecognised(`u-${t}`, ig),
    ev.sendRequested(`cmd-${t}`, ig),
    ev.replySent(`reply:mid.${t}.1`, `mid.${t}.out`, ig),
  ]);
  await db.sql`insert into auto_reply_rules (account_id, kind, reply) values (${p.ig}, 'default', ${`hi from ${t}`})`;
  await persistWebhookLogs(db.sql, [
    { raw: rawWebhook("instagram", [p.ig]), streamSeq: webhookSeq },
    { raw: rawWebhook("page", [p.page]), streamSeq: webhookSeq },
  ]);
}

/** Every row the persister keeps, so two states can be compared. */
async function everything() {
  const tables = await dumpTables(db.sql);
  const webhooks = await db.sql`select id, body from webhook_logs order by id`;
  return { ...tables, webhook_logs: webhooks.map((r) => ({ ...r })) };
}

async function counts(): Promise<Record<string, number>> {
  const entries = await Promise.all(
    DELETED_TABLES.map(async (table) => {
      const [r] = await db.sql.unsafe(`select count(*)::int as n from ${table}`);
      return [table, r!.n as number] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function request(confirmationCode: string) {
  const [r] = await db.sql`select * from deletion_requests where confirmation_code = ${confirmationCode}`;
  return r;
}

describe("data deletion", () => {
  it("deletes exactly the person's rows in every table, counts them, and leaves another person's intact", async () => {
    await writePerson(BOB);
    const bobOnly = await everything();
    const before = await counts();
    await writePerson(ADA);
    const withAda = await counts();
    const adaRows = Object.fromEntries(DELETED_TABLES.map((t) => [t, withAda[t]! - before[t]!]));
    // Every table holds something of Ada's, so the test would see a table the deletion forgot.
    for (const table of DELETED_TABLES) expect(adaRows[table], table).toBeGreaterThan(0);

    const cb = callback.dataDeletion(ADA.user, { at: 5000 });
    const event = await deleteUserData(db.sql, cb);

    expect(await everything()).toEqual(bobOnly);
    expect(event).toEqual({
      v: 1,
      id: `access_revoked:${cb.kind}:${cb.id}`,
      occurredAt: cb.issuedAt,
      kind: "access_revoked",
      userId: ADA.user,
      reason: "data_deleted",
      pageIds: [ADA.page],
      igIds: [ADA.ig],
    });
    const row = await request(cb.confirmationCode);
    expect(row).toMatchObject({
      callback_id: cb.id,
      user_hash: userHash(ADA.user),
      app: "facebook",
      status: "completed",
      requested_at: new Date(cb.issuedAt),
      received_at: new Date(cb.receivedAt),
      completed_at: expect.any(Date),
      deleted: adaRows,
      error: null,
    });
    // The id of someone who asked to be forgotten is not kept.
    expect(JSON.stringify(row)).not.toContain(ADA.user);
  });

  it("does nothing more when the callback is delivered again, and keeps the first outcome", async () => {
    await writePerson(ADA);
    const cb = callback.dataDeletion(ADA.user, { at: 5000 });
    await deleteUserData(db.sql, cb);
    const first = await request(cb.confirmationCode);

    // The person connects again later; a late redelivery of the old request must not touch the new rows.
    await persistEvents(db.sql, accountEvents(ADA, 10_000));
    const reconnected = await everything();
    const again = await deleteUserData(db.sql, cb);
    expect(again).toMatchObject({ id: `access_revoked:${cb.kind}:${cb.id}`, pageIds: [], igIds: [] });
    expect(await everything()).toEqual(reconnected);
    expect(await request(cb.confirmationCode)).toEqual(first);
    const [n] = await db.sql`select count(*)::int as n from deletion_requests`;
    expect(n!.n).toBe(1);
  });

  it("records a completed request with zero counts for a person we hold nothing about", async () => {
    await writePerson(BOB);
    const bobOnly = await everything();
    const cb = callback.dataDeletion("10220000000000099", { at: 5000 });
    expect(await deleteUserData(db.sql, cb)).toMatchObject({ pageIds: [], igIds: [] });
    expect(await everything()).toEqual(bobOnly);
    expect(await request(cb.confirmationCode)).toMatchObject({
      status: "completed",
      deleted: Object.fromEntries(DELETED_TABLES.map((t) => [t, 0])),
    });
  });

  it("deletes an Instagram Login account (Instagram's callback carries its id) with its rows", async () => {
    await writePerson(BOB);
    const bobOnly = await everything();
    await persistEvents(db.sql, [
      ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram" }),
      ev.tokenRefreshed({ at: 10, subjectType: "instagram_account", subjectId: IG_LOGIN }),
      ev.message("mid.login.1", { accountId: IG_LOGIN, senderId: SENDER }),
      ev.comment("c-login", { accountId: IG_LOGIN }),
    ]);
    const cb = callback.dataDeletion(IG_LOGIN, { at: 5000, app: "instagram" });
    expect(await deleteUserData(db.sql, cb)).toMatchObject({ pageIds: [], igIds: [IG_LOGIN] });
    expect(await everything()).toEqual(bobOnly);
    expect(await request(cb.confirmationCode)).toMatchObject({
      app: "instagram",
      deleted: { instagram_accounts: 1, messages: 1, comments: 1, token_logs: 2, users: 0, pages: 0 },
    });
  });

  it("deletes a raw webhook body that holds an entry of the person's accounts, not other bodies", async () => {
    await persistEvents(db.sql, accountEvents(ADA));
    const mixed = rawWebhook("instagram", [BOB.ig, ADA.ig]);
    const bobs = rawWebhook("instagram", [BOB.ig]);
    const notJson = RawWebhook.parse({ ...bobs, id: "f".repeat(64), body: Buffer.from("a=b").toString("base64") });
    await persistWebhookLogs(db.sql, [
      { raw: mixed, streamSeq: 1 },
      { raw: bobs, streamSeq: 2 },
      { raw: notJson, streamSeq: 3 },
    ]);
    await deleteUserData(db.sql, callback.dataDeletion(ADA.user, { at: 5000 }));
    const left = await db.sql`select id from webhook_logs order by id`;
    expect(left.map((r) => r.id)).toEqual([bobs.id, notJson.id].sort());
  });

  it("turns a recorded failure into completed when a later attempt succeeds, and never the reverse", async () => {
    await writePerson(ADA);
    const cb = callback.dataDeletion(ADA.user, { at: 5000 });
    await recordFailedDeletion(db.sql, cb, "database error 22008: timestamp out of range");
    expect(await request(cb.confirmationCode)).toMatchObject({ status: "failed", completed_at: null });
    await deleteUserData(db.sql, cb);
    const completed = await request(cb.confirmationCode);
    expect(completed).toMatchObject({ status: "completed", error: null, deleted: { users: 1, pages: 1 } });
    await recordFailedDeletion(db.sql, cb, "later failure");
    expect(await request(cb.confirmationCode)).toEqual(completed);
  });
});

describe("deauthorize", () => {
  it("revokes the person's user, page and Instagram tokens, logs each once, and leaves others alone", async () => {
    await writePerson(BOB);
    await persistEvents(db.sql, [
      ...accountEvents(ADA),
      ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram" }),
    ]);
    const bobTokens = await db.sql`
      select id, token_status, access_token_enc from users where id = ${BOB.user}
      union all select id, token_status, access_token_enc from pages where id = ${BOB.page}`;

    const cb = callback.deauthorize(ADA.user, { at: 5000 });
    const event = await deauthorize(db.sql, cb);
    expect(event).toEqual({
      v: 1,
      id: `access_revoked:${cb.kind}:${cb.id}`,
      occurredAt: cb.issuedAt,
      kind: "access_revoked",
      userId: ADA.user,
      reason: "deauthorized",
      pageIds: [ADA.page],
      igIds: [ADA.ig],
    });
    // Meta's issued_at has whole seconds: the revocation counts from the end of that second.
    const revoked = { token_status: "revoked", access_token_enc: null, token_status_at: new Date(at(5999)) };
    for (const [table, id] of [
      ["users", ADA.user],
      ["pages", ADA.page],
      ["instagram_accounts", ADA.ig],
    ] as const) {
      const [r] = await db.sql.unsafe(`select * from ${table} where id = $1`, [id]);
      expect(r, table).toMatchObject(revoked);
    }
    // Nothing is deleted: a deauthorize only kills the tokens.
    expect(await db.sql`select 1 from messages`).toHaveLength(3);

    const logs = async () =>
      (
        await db.sql`
          select event_id, subject_type, subject_id, event, detail, occurred_at from token_logs
          where event = 'revoked' order by subject_type, subject_id`
      ).map((r) => ({ ...r }));
    expect(await logs()).toEqual(
      (
        [
          ["instagram_account", ADA.ig],
          ["page", ADA.page],
          ["user", ADA.user],
        ] as const
      ).map(([type, id]) => ({
        event_id: `revoked:${cb.id}:${type}:${id}`,
        subject_type: type,
        subject_id: id,
        event: "revoked",
        detail: { reason: "deauthorized" },
        occurred_at: new Date(at(5999)),
      })),
    );

    // Redelivered: the same event, no new log line, nothing changed (not even updated_at).
    const state = await everything();
    expect(await deauthorize(db.sql, cb)).toEqual(event);
    expect(await everything()).toEqual(state);

    expect(
      await db.sql`
        select id, token_status, access_token_enc from users where id = ${BOB.user}
        union all select id, token_status, access_token_enc from pages where id = ${BOB.page}`,
    ).toEqual(bobTokens);
    const [login] = await db.sql`select token_status, access_token_enc from instagram_accounts where id = ${IG_LOGIN}`;
    expect(login).toMatchObject({ token_status: "valid", access_token_enc: token("ig-0") });
  });

  it("revokes a connect made in the callback's second (issued_at has whole seconds) but not one after it", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 5400 }), ev.pageConnected({ at: 5400 })]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 5000 }));
    const status = async () =>
      (
        await db.sql`select token_status from users where id = ${FB_USER} union all
        select token_status from pages where id = ${PAGE}`
      ).map((r) => r.token_status);
    expect(await status()).toEqual(["revoked", "revoked"]);
    await persistEvents(db.sql, [ev.userConnected({ at: 6000 }), ev.pageConnected({ at: 6000 })]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 5000, label: "again" }));
    expect(await status()).toEqual(["valid", "valid"]);
  });

  it("finds an Instagram Login account by the app-scoped id Instagram's callbacks carry", async () => {
    const scoped = "26000000000000099";
    await persistEvents(db.sql, [
      ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram", appScopedUserId: scoped }),
    ]);
    expect(await deauthorize(db.sql, callback.deauthorize(scoped, { at: 5000, app: "instagram" }))).toMatchObject({
      igIds: [IG_LOGIN],
    });
    const [r] = await db.sql`select token_status, access_token_enc from instagram_accounts where id = ${IG_LOGIN}`;
    expect(r).toMatchObject({ token_status: "revoked", access_token_enc: null });
    await deleteUserData(db.sql, callback.dataDeletion(scoped, { at: 6000, app: "instagram" }));
    expect(await db.sql`select 1 from instagram_accounts where id = ${IG_LOGIN}`).toHaveLength(0);
  });

  it("revokes an Instagram Login account when Instagram's callback names it", async () => {
    await persistEvents(db.sql, [ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram" })]);
    const event = await deauthorize(db.sql, callback.deauthorize(IG_LOGIN, { at: 5000, app: "instagram" }));
    expect(event).toMatchObject({ pageIds: [], igIds: [IG_LOGIN] });
    const [r] = await db.sql`select token_status, access_token_enc from instagram_accounts where id = ${IG_LOGIN}`;
    expect(r).toMatchObject({ token_status: "revoked", access_token_enc: null });
  });
});
