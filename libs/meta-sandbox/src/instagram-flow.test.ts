import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { completeSandboxLogin } from "./consent.js";
import { SANDBOX_CREATOR_IG_SCOPED_ID, SANDBOX_CREATOR_IG_USER_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

const REDIRECT_URI = "https://app.example.test/instagram/callback";
const SCOPES = "instagram_business_basic,instagram_business_manage_messages";
const DAY_MS = 24 * 3600 * 1000;

let sandbox: MetaSandbox;
beforeAll(async () => {
  sandbox = await startMetaSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.state.reset());

async function call(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function dialogUrl(state = "ig-state"): string {
  const q = new URLSearchParams({
    client_id: "sandbox-ig-app-id",
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: SCOPES,
    state,
  });
  return `${sandbox.urls.igDialog}/oauth/authorize?${q}`;
}

function exchangeCode(code: string, overrides: Record<string, string> = {}) {
  return call(`${sandbox.urls.igApi}/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "sandbox-ig-app-id",
      client_secret: "sandbox-ig-app-secret",
      grant_type: "authorization_code",
      redirect_uri: REDIRECT_URI,
      code,
      ...overrides,
    }),
  });
}

async function loginCode(): Promise<string> {
  return (await completeSandboxLogin(dialogUrl())).searchParams.get("code")!;
}

async function longLived(): Promise<string> {
  const short = (await exchangeCode(await loginCode())).body.access_token as string;
  const q = new URLSearchParams({
    grant_type: "ig_exchange_token",
    client_secret: "sandbox-ig-app-secret",
    access_token: short,
  });
  return (await call(`${sandbox.urls.igGraph}/access_token?${q}`)).body.access_token as string;
}

function refresh(token: string) {
  return call(`${sandbox.urls.igGraph}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`);
}

describe("Instagram Login flow over HTTP", () => {
  it("shows the consent page and redirects with code, state and Meta's #_ fragment", async () => {
    const page = await fetch(dialogUrl());
    const html = await page.text();
    expect(html).toContain("Sandbox: log in as sandbox.creator");
    expect(html).toContain('id="continue"');
    expect(html).toContain("<code>instagram_business_manage_messages</code>");

    const back = await completeSandboxLogin(dialogUrl("ig-csrf"));
    expect(back.hash).toBe("#_");
    expect(back.searchParams.get("state")).toBe("ig-csrf");
    expect(back.searchParams.get("code")).toMatch(/^AQ/);
  });

  it("redirects with access_denied on cancel, and refuses a response_type other than code", async () => {
    const back = await completeSandboxLogin(dialogUrl("c"), "cancel");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_reason")).toBe("user_denied");
    expect(back.searchParams.get("state")).toBe("c");
    const bad = await fetch(dialogUrl().replace("response_type=code", "response_type=token"));
    expect(bad.status).toBe(400);
    await bad.body?.cancel();
  });

  it("exchanges the code (form POST) for a short-lived token with the app-scoped user_id", async () => {
    const res = await exchangeCode(await loginCode());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^IGAA/),
      user_id: SANDBOX_CREATOR_IG_SCOPED_ID,
      permissions: SCOPES.split(","),
    });
    expect(sandbox.state.token(res.body.access_token as string)).toMatchObject({
      kind: "ig_short",
      ownerId: SANDBOX_CREATOR_IG_USER_ID,
    });
  });

  it("can answer the exchange in the documented data[] shape", async () => {
    sandbox.state.igTokenResponseStyle = "data";
    const res = await exchangeCode(await loginCode());
    expect(res.body).toEqual({
      data: [{ access_token: expect.any(String), user_id: SANDBOX_CREATOR_IG_SCOPED_ID, permissions: SCOPES }],
    });
  });

  it("refuses a reused code and a wrong redirect_uri in api.instagram.com's legacy error shape", async () => {
    const code = await loginCode();
    const wrong = await exchangeCode(code, { redirect_uri: "https://app.example.test/elsewhere" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error_type: "OAuthException", code: 400, error_message: expect.any(String) });
    expect((await exchangeCode(code)).status).toBe(200);
    const reused = await exchangeCode(code);
    expect(reused.body).toEqual({
      error_type: "OAuthException",
      code: 400,
      error_message: "Matching code was not found or was already used.",
    });
    expect((await exchangeCode(code, { client_secret: "nope" })).body.error_message).toBe(
      "Error validating client secret.",
    );
  });

  it("exchanges for a 60-day token and answers /me with user_id, username and id", async () => {
    const short = (await exchangeCode(await loginCode())).body.access_token as string;
    const q = new URLSearchParams({ grant_type: "ig_exchange_token", client_secret: "sandbox-ig-app-secret" });
    const long = await call(`${sandbox.urls.igGraph}/access_token?${q}&access_token=${short}`);
    expect(long.body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 5184000 });
    const token = long.body.access_token as string;
    expect(sandbox.state.token(token)?.kind).toBe("ig_long");

    const me = await call(`${sandbox.urls.igGraph}/v21.0/me?fields=user_id,username&access_token=${token}`);
    expect(me.body).toEqual({
      user_id: SANDBOX_CREATOR_IG_USER_ID,
      username: "sandbox.creator",
      id: SANDBOX_CREATOR_IG_SCOPED_ID,
    });
    const wrongSecret = await call(
      `${sandbox.urls.igGraph}/access_token?grant_type=ig_exchange_token&client_secret=x&access_token=${short}`,
    );
    expect(wrongSecret.body.error).toMatchObject({ code: 1 });
  });

  it("refuses to refresh a token younger than 24 hours, and refreshes it once it is 2 days old", async () => {
    const token = await longLived();
    const early = await refresh(token);
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ type: "OAuthException", fbtrace_id: expect.any(String) });

    sandbox.state.setTokenIssuedAt(token, new Date(Date.now() - 2 * DAY_MS));
    const record = sandbox.state.token(token)!;
    expect(record.expiresAt!.getTime() - Date.now()).toBeLessThan(59 * DAY_MS);
    const later = await refresh(token);
    expect(later.status).toBe(200);
    expect(later.body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 5184000 });
    expect(later.body.access_token).not.toBe(token);
    expect(sandbox.state.tokensOf(SANDBOX_CREATOR_IG_USER_ID).map((t) => t.kind)).toEqual([
      "ig_short",
      "ig_long",
      "ig_long",
    ]);
  });

  it("refuses to refresh an expired token (190/463) and a short-lived one", async () => {
    const token = await longLived();
    sandbox.state.setTokenIssuedAt(token, new Date(Date.now() - 2 * DAY_MS));
    sandbox.state.setTokenExpiresAt(token, new Date(Date.now() - 1000));
    expect((await refresh(token)).body.error).toMatchObject({ code: 190, error_subcode: 463 });

    const short = (await exchangeCode(await loginCode())).body.access_token as string;
    sandbox.state.setTokenIssuedAt(short, new Date(Date.now() - 2 * DAY_MS));
    sandbox.state.setTokenExpiresAt(short, new Date(Date.now() + DAY_MS));
    expect((await refresh(short)).status).toBe(400);
  });

  it("does not take Instagram tokens on graph.facebook.com nor Facebook tokens on graph.instagram.com", async () => {
    const token = await longLived();
    expect((await call(`${sandbox.urls.graph}/v21.0/me?access_token=${token}`)).body.error).toMatchObject({
      code: 190,
    });
  });

  it("subscribes the Instagram account to webhooks", async () => {
    const token = await longLived();
    const edge = `${sandbox.urls.igGraph}/v21.0/me/subscribed_apps`;
    const post = await call(`${edge}?subscribed_fields=messages,messaging_seen&access_token=${token}`, {
      method: "POST",
    });
    expect(post.body).toEqual({ success: true });
    expect(sandbox.state.subscribedFields(SANDBOX_CREATOR_IG_USER_ID)).toEqual(["messages", "messaging_seen"]);
    const check = await call(edge, { headers: { authorization: `Bearer ${token}` } });
    expect(check.body.data).toEqual([expect.objectContaining({ subscribed_fields: ["messages", "messaging_seen"] })]);
  });
});
