import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { completeSandboxLogin } from "./consent.js";
import { SANDBOX_BLOG_PAGE_ID, SANDBOX_SHOP_IG_ID, SANDBOX_SHOP_PAGE_ID, SANDBOX_USER_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

const REDIRECT_URI = "http://localhost:3000/oauth/callback";
const SCOPES = "instagram_basic,instagram_manage_messages,pages_manage_metadata,pages_show_list";

let sandbox: MetaSandbox;
beforeAll(async () => {
  sandbox = await startMetaSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.state.reset());

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function dialogUrl(state = "csrf-123"): string {
  const q = new URLSearchParams({ client_id: "sandbox-app-id", redirect_uri: REDIRECT_URI, state, scope: SCOPES });
  return `${sandbox.urls.dialog}/v21.0/dialog/oauth?${q}`;
}

async function loginCode(): Promise<string> {
  const back = await completeSandboxLogin(dialogUrl());
  return back.searchParams.get("code")!;
}

async function exchange(code: string, redirectUri = REDIRECT_URI) {
  const q = new URLSearchParams({
    client_id: "sandbox-app-id",
    client_secret: "sandbox-app-secret",
    redirect_uri: redirectUri,
    code,
  });
  return call(`${sandbox.urls.graph}/v21.0/oauth/access_token?${q}`);
}

async function longLivedToken(): Promise<string> {
  const short = (await exchange(await loginCode())).body.access_token as string;
  const q = new URLSearchParams({
    grant_type: "fb_exchange_token",
    client_id: "sandbox-app-id",
    client_secret: "sandbox-app-secret",
    fb_exchange_token: short,
  });
  return (await call(`${sandbox.urls.graph}/v21.0/oauth/access_token?${q}`)).body.access_token as string;
}

async function debugToken(token: string) {
  const q = new URLSearchParams({ input_token: token, access_token: "sandbox-app-id|sandbox-app-secret" });
  return call(`${sandbox.urls.graph}/v21.0/debug_token?${q}`);
}

interface PageAnswer {
  id: string;
  name: string;
  access_token: string;
  instagram_business_account?: { id: string; username: string };
}

async function accounts(token: string): Promise<PageAnswer[]> {
  const q = new URLSearchParams({
    fields: "id,name,access_token,instagram_business_account{id,username}",
    access_token: token,
  });
  const { status, body } = await call(`${sandbox.urls.graph}/v21.0/me/accounts?${q}`);
  expect(status).toBe(200);
  return body.data as PageAnswer[];
}

describe("Facebook Login flow over HTTP", () => {
  it("renders an accessible consent page with the continue button and the requested scopes", async () => {
    const res = await fetch(dialogUrl());
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("Sandbox: log in as Sandbox User");
    expect(html).toMatch(/<button type="submit" id="continue"[^>]*>Continue as Sandbox User<\/button>/);
    expect(html).toContain('id="cancel"');
    for (const scope of SCOPES.split(",")) expect(html).toContain(`<code>${scope}</code>`);
  });

  it("redirects to redirect_uri with a one-time code and the state after consent", async () => {
    const back = await completeSandboxLogin(dialogUrl("state-xyz"));
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get("state")).toBe("state-xyz");
    expect(back.searchParams.get("code")).toMatch(/^AQ/);
  });

  it("redirects with access_denied when the user cancels", async () => {
    const back = await completeSandboxLogin(dialogUrl("state-cancel"), "cancel");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_reason")).toBe("user_denied");
    expect(back.searchParams.get("error_description")).toBeTruthy();
    expect(back.searchParams.get("state")).toBe("state-cancel");
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("exchanges the code for a short-lived token, then for a long-lived one", async () => {
    const short = await exchange(await loginCode());
    expect(short.status).toBe(200);
    expect(short.body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: "bearer", expires_in: 3600 });
    const shortToken = short.body.access_token as string;
    expect(sandbox.state.token(shortToken)).toMatchObject({ kind: "user_short", ownerId: SANDBOX_USER_ID });

    const q = new URLSearchParams({
      grant_type: "fb_exchange_token",
      client_id: "sandbox-app-id",
      client_secret: "sandbox-app-secret",
      fb_exchange_token: shortToken,
    });
    const long = await call(`${sandbox.urls.graph}/v21.0/oauth/access_token?${q}`);
    expect(long.status).toBe(200);
    expect(long.body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 5183944 });
    expect(long.body.access_token).not.toBe(shortToken);
    expect(sandbox.state.token(long.body.access_token as string)?.kind).toBe("user_long");
  });

  it("answers /me and lists the Pages with their tokens and Instagram account", async () => {
    const token = await longLivedToken();
    const me = await call(`${sandbox.urls.graph}/v21.0/me?fields=id,name&access_token=${token}`);
    expect(me.body).toEqual({ id: SANDBOX_USER_ID, name: "Sandbox User" });

    const pages = await accounts(token);
    expect(pages.map((p) => p.name)).toEqual(["Sandbox Shop", "Sandbox Blog"]);
    const shop = pages.find((p) => p.id === SANDBOX_SHOP_PAGE_ID)!;
    expect(shop.instagram_business_account).toEqual({ id: SANDBOX_SHOP_IG_ID, username: "sandbox.shop" });
    const blog = pages.find((p) => p.id === SANDBOX_BLOG_PAGE_ID)!;
    expect(blog).not.toHaveProperty("instagram_business_account");
    expect(sandbox.state.token(shop.access_token)).toMatchObject({ kind: "page", ownerId: SANDBOX_SHOP_PAGE_ID });

    // Page tokens are stable per Page and user while they live.
    const again = await accounts(token);
    expect(again.map((p) => p.access_token)).toEqual(pages.map((p) => p.access_token));
    expect(sandbox.state.tokensOf(SANDBOX_SHOP_PAGE_ID)).toHaveLength(1);
  });

  it("reports tokens with debug_token: valid, then invalid after invalidateToken", async () => {
    const token = await longLivedToken();
    const valid = await debugToken(token);
    expect(valid.status).toBe(200);
    const data = valid.body.data as Record<string, unknown>;
    expect(data).toMatchObject({
      app_id: "sandbox-app-id",
      type: "USER",
      application: "Sandbox App",
      is_valid: true,
      user_id: SANDBOX_USER_ID,
    });
    expect(data.scopes).toEqual(expect.arrayContaining(["public_profile", ...SCOPES.split(",")]));
    const expiresAt = data.expires_at as number;
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(59 * 24 * 3600);
    expect(data.data_access_expires_at).toEqual(expect.any(Number));

    const pageToken = (await accounts(token))[0]!.access_token;
    expect((await debugToken(pageToken)).body.data).toMatchObject({
      type: "PAGE",
      is_valid: true,
      expires_at: 0,
      profile_id: SANDBOX_SHOP_PAGE_ID,
    });

    sandbox.state.invalidateToken(token);
    const invalid = (await debugToken(token)).body.data as Record<string, unknown>;
    expect(invalid.is_valid).toBe(false);
    expect(invalid.error).toMatchObject({ code: 190, subcode: 460 });

    const use = await call(`${sandbox.urls.graph}/v21.0/me?access_token=${token}`);
    expect(use.status).toBe(400);
    expect(use.body.error).toMatchObject({ code: 190, error_subcode: 460, type: "OAuthException" });
  });

  it("reports an expired token with 190/463 and an unknown one as unparsable", async () => {
    const token = await longLivedToken();
    sandbox.state.expireToken(token);
    const use = await call(`${sandbox.urls.graph}/v21.0/me?access_token=${token}`);
    expect(use.body.error).toMatchObject({ code: 190, error_subcode: 463 });
    expect((await debugToken(token)).body.data).toMatchObject({ is_valid: false, error: { code: 190, subcode: 463 } });
    expect((await debugToken("EAAnothing")).body.data).toMatchObject({ is_valid: false, error: { code: 190 } });
  });

  it("subscribes a Page, shows the subscription, and shows none after Meta drops the app", async () => {
    const pageToken = (await accounts(await longLivedToken()))[0]!.access_token;
    const edge = `${sandbox.urls.graph}/v21.0/${SANDBOX_SHOP_PAGE_ID}/subscribed_apps`;
    const fields = "messages,messaging_postbacks,message_reactions,messaging_seen,messaging_referral";
    const post = await call(`${edge}?subscribed_fields=${fields}&access_token=${pageToken}`, { method: "POST" });
    expect(post).toEqual({ status: 200, body: { success: true } });
    expect(sandbox.state.subscriptionCalls).toBe(1);

    const check = await call(`${edge}?access_token=${pageToken}`);
    expect(check.body).toEqual({
      data: [
        expect.objectContaining({ id: "sandbox-app-id", name: "Sandbox App", subscribed_fields: fields.split(",") }),
      ],
    });

    sandbox.state.unsubscribe(SANDBOX_SHOP_PAGE_ID);
    expect((await call(`${edge}?access_token=${pageToken}`)).body).toEqual({ data: [] });
  });

  it("accepts paths without a version segment", async () => {
    const token = await longLivedToken();
    const me = await call(`${sandbox.urls.graph}/me?access_token=${token}`);
    expect(me.body).toEqual({ id: SANDBOX_USER_ID, name: "Sandbox User" });
    const res = await fetch(
      `${sandbox.urls.dialog}/dialog/oauth?client_id=sandbox-app-id&redirect_uri=${REDIRECT_URI}`,
    );
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it("reads Page and Instagram nodes by id", async () => {
    const token = await longLivedToken();
    const page = await call(
      `${sandbox.urls.graph}/v21.0/${SANDBOX_SHOP_PAGE_ID}?fields=name,instagram_business_account&access_token=${token}`,
    );
    expect(page.body).toEqual({
      name: "Sandbox Shop",
      instagram_business_account: { id: SANDBOX_SHOP_IG_ID },
      id: SANDBOX_SHOP_PAGE_ID,
    });
    const ig = await call(`${sandbox.urls.graph}/v21.0/${SANDBOX_SHOP_IG_ID}?fields=username&access_token=${token}`);
    expect(ig.body).toEqual({ username: "sandbox.shop", id: SANDBOX_SHOP_IG_ID });
    const bad = await call(`${sandbox.urls.graph}/v21.0/me?fields=id,shoe_size&access_token=${token}`);
    expect(bad.body.error).toMatchObject({ code: 100, message: expect.stringContaining("shoe_size") });
  });
});
