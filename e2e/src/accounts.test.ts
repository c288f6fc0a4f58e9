import { TokenCipher } from "@igdm/crypto";
import {
  completeSandboxLogin,
  type MetaSandbox,
  SANDBOX_BLOG_PAGE_ID,
  SANDBOX_CREATOR_IG_SCOPED_ID,
  SANDBOX_CREATOR_IG_USER_ID,
  SANDBOX_SHOP_IG_ID,
  SANDBOX_SHOP_PAGE_ID,
  SANDBOX_USER_ID,
  startMetaSandbox,
} from "@igdm/meta-sandbox";
import { waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, type Pipeline, startPipeline, TOKEN_KEYS } from "./pipeline.js";

let sandbox: MetaSandbox;
let pipeline: Pipeline;
const cipher = TokenCipher.fromKeys(Object.entries(TOKEN_KEYS).map(([id, key]) => ({ id, key })));

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "persister", "token-refresher"],
    env: { ...sandbox.env, APP_SECRET },
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await sandbox?.close();
});

const counts = async () => {
  const [row] = await pipeline.db.sql<{ users: number; pages: number; igs: number }[]>`
    select (select count(*)::int from users) as users, (select count(*)::int from pages) as pages,
           (select count(*)::int from instagram_accounts) as igs`;
  return row!;
};

async function startLogin(): Promise<string> {
  const res = await fetch(`${pipeline.ingressUrl}/auth/login`, { redirect: "manual" });
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

let callbackUrl: URL;

describe("connecting an account with Facebook Login", () => {
  it("connects the user, both pages and the Instagram account, with encrypted tokens and subscribed pages", async () => {
    const dialog = await startLogin();
    expect(dialog.startsWith(sandbox.urls.dialog)).toBe(true);
    callbackUrl = await completeSandboxLogin(dialog);
    expect(callbackUrl.toString().startsWith(`${pipeline.ingressUrl}/auth/callback`)).toBe(true);

    const page = await fetch(callbackUrl);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("Sandbox Shop");
    expect(html).toContain("Sandbox Blog");
    expect(html).toContain("@sandbox.shop");

    await waitFor(async () => {
      const c = await counts();
      return c.users === 1 && c.pages === 2 && c.igs === 1;
    });
    const [user] = await pipeline.db.sql<{ access_token_enc: string; token_expires_at: Date }[]>`
      select access_token_enc, token_expires_at from users where id = ${SANDBOX_USER_ID}`;
    expect(user!.access_token_enc.startsWith("v1.k2.")).toBe(true);
    const userToken = cipher.decrypt(user!.access_token_enc);
    expect(sandbox.state.token(userToken)?.kind).toBe("user_long");
    expect(user!.token_expires_at.getTime()).toBeGreaterThan(Date.now() + 50 * 86_400_000);

    const pages = await pipeline.db.sql<{ id: string; access_token_enc: string; subscribed: boolean }[]>`
      select id, access_token_enc, subscribed from pages order by id`;
    for (const p of pages) {
      expect(sandbox.state.token(cipher.decrypt(p.access_token_enc))?.ownerId).toBe(p.id);
      expect(p.subscribed).toBe(true);
      expect(sandbox.state.subscribedFields(p.id)).toContain("messages");
    }
    const [ig] = await pipeline.db.sql`select id, username, page_id from instagram_accounts`;
    expect(ig).toMatchObject({ id: SANDBOX_SHOP_IG_ID, username: "sandbox.shop", page_id: SANDBOX_SHOP_PAGE_ID });
    // Nothing in clear text: the raw token appears in no column of any account table.
    const dump = JSON.stringify(await pipeline.db.sql`select * from users, pages`);
    expect(dump).not.toContain(userToken);
  });

  it("refuses a reused or forged state and writes nothing", async () => {
    const before = await counts();
    const logsBefore = await pipeline.db.sql`select count(*)::int as n from token_logs`;
    const reused = await fetch(callbackUrl);
    expect(reused.status).toBe(400);
    const forged = await fetch(`${pipeline.ingressUrl}/auth/callback?code=abc&state=${"f".repeat(32)}`);
    expect(forged.status).toBe(400);
    expect(await counts()).toEqual(before);
    expect(await pipeline.db.sql`select count(*)::int as n from token_logs`).toEqual(logsBefore);
  });

  it("shows a clear error when the person cancels at Meta", async () => {
    const cancelled = await completeSandboxLogin(await startLogin(), "cancel");
    const res = await fetch(cancelled);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Login cancelled");
  });
});

describe("connecting an account with Instagram Login", () => {
  it("stores the Instagram account with its own encrypted long-lived token", async () => {
    const res = await fetch(`${pipeline.ingressUrl}/auth/login?flow=instagram`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const dialog = res.headers.get("location")!;
    expect(dialog.startsWith(sandbox.urls.igDialog)).toBe(true);
    const page = await fetch(await completeSandboxLogin(dialog));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("@sandbox.creator");
    const [account] = await waitFor(async () => {
      const rows = await pipeline.db.sql<
        { login_type: string; app_scoped_user_id: string; access_token_enc: string; token_expires_at: Date }[]
      >`
        select login_type, app_scoped_user_id, access_token_enc, token_expires_at from instagram_accounts
        where id = ${SANDBOX_CREATOR_IG_USER_ID}`;
      return rows.length ? rows : undefined;
    });
    expect(account!.login_type).toBe("instagram");
    // Instagram's deauthorize and deletion callbacks name this id, not the account id webhooks use.
    expect(account!.app_scoped_user_id).toBe(SANDBOX_CREATOR_IG_SCOPED_ID);
    expect(sandbox.state.token(cipher.decrypt(account!.access_token_enc))?.kind).toBe("ig_long");
    expect(account!.token_expires_at.getTime()).toBeGreaterThan(Date.now() + 50 * 86_400_000);
  });
});

const igToken = async () => {
  const [row] = await pipeline.db.sql<{ access_token_enc: string }[]>`
    select access_token_enc from instagram_accounts where id = ${SANDBOX_CREATOR_IG_USER_ID}`;
  return cipher.decrypt(row!.access_token_enc);
};

describe("the refresh pass", () => {
  it("renews an expiring user token once across two replicas, invalidates a dead page token, resubscribes a dropped page", async () => {
    const [user] = await pipeline.db.sql<{ access_token_enc: string }[]>`select access_token_enc from users`;
    const oldUserToken = cipher.decrypt(user!.access_token_enc);
    // 58 days later, as far as both sides know: the token expires in two days.
    const soon = new Date(Date.now() + 2 * 86_400_000);
    sandbox.state.setTokenExpiresAt(oldUserToken, soon);
    await pipeline.db.sql`update users set token_expires_at = ${soon}`;
    // Key rotation: this token was encrypted under the older key k1, which is still configured for reading.
    const k1Only = TokenCipher.fromKeys([{ id: "k1", key: TOKEN_KEYS.k1 }]);
    await pipeline.db.sql`update users set access_token_enc = ${k1Only.encrypt(oldUserToken)}`;
    // The Instagram token expires soon too, but is not 24 hours old yet: Meta refuses to refresh it, so we wait.
    const igBefore = await igToken();
    sandbox.state.setTokenExpiresAt(igBefore, soon);
    await pipeline.db.sql`update instagram_accounts set token_expires_at = ${soon}`;
    const blogToken = sandbox.state.tokensOf(SANDBOX_BLOG_PAGE_ID)[0]!.token;
    sandbox.state.invalidateToken(blogToken);
    sandbox.state.unsubscribe(SANDBOX_SHOP_PAGE_ID);
    const exchanges = () =>
      sandbox.state.requests.filter((r) => r.query.grant_type === "fb_exchange_token" && r.status === 200).length;
    const exchangesBefore = exchanges();

    // Two replicas on a 10-second schedule, started just after a window opens so the persister has the rest of the
    // window to store this pass's outcomes before the next pass reads them.
    const intervalMs = 10_000;
    await new Promise((r) => setTimeout(r, intervalMs - (Date.now() % intervalMs) + 100));
    await Promise.all([
      pipeline.spawn("token-refresher", { REFRESH_INTERVAL_SECONDS: "10" }),
      pipeline.spawn("token-refresher", { REFRESH_INTERVAL_SECONDS: "10" }),
    ]);
    await waitFor(
      async () => {
        const [row] = await pipeline.db.sql<{ done: boolean }[]>`
          select exists (select 1 from token_logs where subject_type = 'user' and event = 'refreshed')
             and exists (select 1 from pages where id = ${SANDBOX_BLOG_PAGE_ID} and token_status = 'invalid')
             and exists (select 1 from token_logs where subject_id = ${SANDBOX_SHOP_PAGE_ID} and event = 'resubscribed')
             as done`;
        return row?.done;
      },
      { timeoutMs: 30_000, what: "refresh outcomes" },
    );
    expect(exchanges()).toBe(exchangesBefore + 1);
    // The next window's pass: a fresh token is left alone and a dead one is not retried.
    await new Promise((r) => setTimeout(r, intervalMs - (Date.now() % intervalMs) + 2000));
    expect(exchanges()).toBe(exchangesBefore + 1);
    const [after] = await pipeline.db.sql<{ access_token_enc: string; token_expires_at: Date }[]>`
      select access_token_enc, token_expires_at from users`;
    expect(cipher.decrypt(after!.access_token_enc)).not.toBe(oldUserToken);
    expect(after!.access_token_enc.startsWith("v1.k2.")).toBe(true);
    expect(await igToken()).toBe(igBefore);
    expect(after!.token_expires_at.getTime()).toBeGreaterThan(Date.now() + 50 * 86_400_000);
    const logs = await pipeline.db.sql<{ subject_id: string; event: string; n: number }[]>`
      select subject_id, event, count(*)::int as n from token_logs
      where event in ('refreshed', 'invalidated', 'resubscribed') group by 1, 2 order by 1, 2`;
    expect(logs).toEqual(
      [
        { subject_id: SANDBOX_USER_ID, event: "refreshed", n: 1 },
        { subject_id: SANDBOX_BLOG_PAGE_ID, event: "invalidated", n: 1 },
        { subject_id: SANDBOX_SHOP_PAGE_ID, event: "resubscribed", n: 1 },
      ].sort((a, b) => a.subject_id.localeCompare(b.subject_id) || a.event.localeCompare(b.event)),
    );
    expect(sandbox.state.subscribedFields(SANDBOX_SHOP_PAGE_ID)).toContain("messages");
  });
});

describe("the refresh pass for Instagram Login", () => {
  it("refreshes an expiring Instagram token once it is a day old", async () => {
    const before = await igToken();
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    sandbox.state.setTokenIssuedAt(before, twoDaysAgo);
    await pipeline.db.sql`update instagram_accounts set token_updated_at = ${twoDaysAgo}`;
    await waitFor(async () => (await igToken()) !== before, { timeoutMs: 15_000, what: "Instagram token refreshed" });
    expect(sandbox.state.token(await igToken())?.kind).toBe("ig_long");
    const [log] = await pipeline.db.sql<{ n: number }[]>`
      select count(*)::int as n from token_logs where subject_id = ${SANDBOX_CREATOR_IG_USER_ID} and event = 'refreshed'`;
    expect(log!.n).toBe(1);
  });
});
