import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { completeSandboxLogin } from "./consent.js";
import { SANDBOX_BLOG_PAGE_ID, SANDBOX_SHOP_PAGE_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

const REDIRECT_URI = "https://app.example.test/oauth/callback";

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
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function loginCode(redirectUri = REDIRECT_URI): Promise<string> {
  const q = new URLSearchParams({ client_id: "sandbox-app-id", redirect_uri: redirectUri, state: "s", scope: "" });
  return (await completeSandboxLogin(`${sandbox.urls.dialog}/v21.0/dialog/oauth?${q}`)).searchParams.get("code")!;
}

function exchange(params: Record<string, string>) {
  const q = new URLSearchParams({
    client_id: "sandbox-app-id",
    client_secret: "sandbox-app-secret",
    redirect_uri: REDIRECT_URI,
    ...params,
  });
  return call(`${sandbox.urls.graph}/v21.0/oauth/access_token?${q}`);
}

describe("Facebook Login code exchange refusals", () => {
  it("refuses a code used twice (100/36009)", async () => {
    const code = await loginCode();
    expect((await exchange({ code })).status).toBe(200);
    const again = await exchange({ code });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({
      type: "OAuthException",
      code: 100,
      error_subcode: 36009,
      message: "This authorization code has been used.",
      fbtrace_id: expect.any(String),
    });
    expect(again.headers.get("www-authenticate")).toContain('"invalid_code"');
  });

  it("refuses a code exchanged with another redirect_uri (100/36008), which stays usable with the right one", async () => {
    const code = await loginCode();
    const wrong = await exchange({ code, redirect_uri: "https://app.example.test/other" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 100, error_subcode: 36008 });
    expect((await exchange({ code })).status).toBe(200);
  });

  it("refuses an unknown code and an expired one", async () => {
    expect((await exchange({ code: "AQnope" })).body.error).toMatchObject({ code: 100, error_subcode: 36007 });
    const code = await loginCode();
    sandbox.state.expireCode(code);
    expect((await exchange({ code })).body.error).toMatchObject({
      code: 100,
      message: "This authorization code has expired.",
    });
  });

  it("refuses a wrong app id (101) and a wrong app secret (1)", async () => {
    const code = await loginCode();
    const wrongId = await exchange({ code, client_id: "someone-else" });
    expect(wrongId.body.error).toMatchObject({ code: 101, type: "OAuthException" });
    const wrongSecret = await exchange({ code, client_secret: "guess" });
    expect(wrongSecret.body.error).toMatchObject({ code: 1, message: "Error validating client secret." });
    expect((await exchange({ code })).status).toBe(200);
  });

  it("refuses a long-lived exchange with a dead token", async () => {
    const short = (await exchange({ code: await loginCode() })).body.access_token as string;
    sandbox.state.invalidateToken(short);
    const res = await exchange({ grant_type: "fb_exchange_token", fb_exchange_token: short });
    expect(res.body.error).toMatchObject({ code: 190, error_subcode: 460 });
  });
});

describe("Facebook Login dialog refusals", () => {
  it("shows an error page instead of the dialog for an unknown app or a relative redirect_uri", async () => {
    const badApp = await fetch(`${sandbox.urls.dialog}/v21.0/dialog/oauth?client_id=nope&redirect_uri=${REDIRECT_URI}`);
    expect(badApp.status).toBe(400);
    expect(await badApp.text()).toContain("Invalid App ID");
    const badRedirect = await fetch(
      `${sandbox.urls.dialog}/v21.0/dialog/oauth?client_id=sandbox-app-id&redirect_uri=/cb`,
    );
    expect(badRedirect.status).toBe(400);
    expect(await badRedirect.text()).toContain("URL blocked");
  });
});

describe("Graph token checks", () => {
  async function pageToken(pageId = SANDBOX_SHOP_PAGE_ID): Promise<{ user: string; page: string }> {
    const user = (await exchange({ code: await loginCode() })).body.access_token as string;
    const res = await call(`${sandbox.urls.graph}/v21.0/me/accounts?access_token=${user}`);
    const pages = res.body.data as { id: string; access_token: string }[];
    return { user, page: pages.find((p) => p.id === pageId)!.access_token };
  }

  it("asks for a token when there is none (104)", async () => {
    const res = await call(`${sandbox.urls.graph}/v21.0/me`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 104 });
  });

  it("refuses debug_token with a wrong app secret", async () => {
    const { user } = await pageToken();
    const res = await call(`${sandbox.urls.graph}/v21.0/debug_token?input_token=${user}&access_token=sandbox-app-id|x`);
    expect(res.body.error).toMatchObject({ code: 190 });
  });

  it("wants a Page token on Page edges (210) and the token of that Page (100/33)", async () => {
    const { user, page } = await pageToken();
    const edge = (id: string, token: string) =>
      `${sandbox.urls.graph}/v21.0/${id}/subscribed_apps?subscribed_fields=messages&access_token=${token}`;
    expect((await call(edge(SANDBOX_SHOP_PAGE_ID, user), { method: "POST" })).body.error).toMatchObject({ code: 210 });
    expect((await call(edge(SANDBOX_BLOG_PAGE_ID, page), { method: "POST" })).body.error).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    expect(sandbox.state.subscriptionCalls).toBe(0);
  });

  it("refuses unknown subscribed_fields", async () => {
    const { page } = await pageToken();
    const res = await call(
      `${sandbox.urls.graph}/v21.0/me/subscribed_apps?subscribed_fields=messages,bogus&access_token=${page}`,
      { method: "POST" },
    );
    expect(res.body.error).toMatchObject({ code: 100, message: expect.stringContaining('got "bogus"') });
  });

  it("kills Page tokens when the user's tokens are invalidated", async () => {
    const { page } = await pageToken();
    sandbox.state.invalidateTokensOf(sandbox.state.users[0]!.id);
    const res = await call(`${sandbox.urls.graph}/v21.0/me?access_token=${page}`);
    expect(res.body.error).toMatchObject({ code: 190, error_subcode: 460 });
  });

  it("answers unknown paths in Meta's shape", async () => {
    const res = await call(`${sandbox.urls.graph}/v21.0/a/b/c`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 2500, fbtrace_id: res.headers.get("x-fb-trace-id") });
  });
});
