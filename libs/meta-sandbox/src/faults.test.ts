import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { metaErrors } from "./errors.js";
import { SANDBOX_SHOP_PAGE_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

let sandbox: MetaSandbox;
let pageToken: string;

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appId: "fault-app", appSecret: "fault-secret" });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.state.reset();
  const user = sandbox.state.issueToken("user_long", { ownerId: sandbox.state.users[0]!.id, scopes: [] });
  pageToken = sandbox.state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user).token;
});

function sendMessage(text = "hi") {
  return fetch(`${sandbox.urls.graph}/v21.0/${SANDBOX_SHOP_PAGE_ID}/messages?access_token=${pageToken}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ recipient: { id: "igsid-1" }, message: { text } }),
  });
}

describe("failNext", () => {
  it("fails the next `times` matching requests in Meta's shape, then lets requests through", async () => {
    sandbox.state.failNext({ method: "POST", path: /\/messages$/ }, { ...metaErrors.sendRateLimit, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await sendMessage();
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toEqual({
        message: "(#613) Calls to this api have exceeded the rate limit.",
        type: "OAuthException",
        code: 613,
        is_transient: true,
        fbtrace_id: res.headers.get("x-fb-trace-id"),
      });
      const usage = JSON.parse(res.headers.get("x-business-use-case-usage")!) as Record<string, unknown[]>;
      expect(usage[SANDBOX_SHOP_PAGE_ID]![0]).toMatchObject({ estimated_time_to_regain_access: 1 });
    }
    const ok = await sendMessage();
    expect(ok.status).toBe(200);
    expect(sandbox.state.sentMessages.filter((m) => m.accepted)).toHaveLength(1);
    expect(sandbox.state.pendingFaults).toHaveLength(0);
  });

  it("only hits the method and path it names", async () => {
    sandbox.state.failNext({ method: "GET", path: /\/messages$/ }, metaErrors.server);
    expect((await sendMessage()).status).toBe(200);
    sandbox.state.failNext({ path: /\/me\/accounts/ }, metaErrors.server);
    expect((await sendMessage()).status).toBe(200);
    expect(sandbox.state.pendingFaults).toHaveLength(2);
    sandbox.state.clearFaults();
  });

  it("injects custom errors with subcodes, and server errors with HTTP 500", async () => {
    sandbox.state.failNext({ path: /messages/ }, { status: 400, code: 10, subcode: 2018278, message: "outside" });
    const outside = await sendMessage();
    expect(await outside.json()).toMatchObject({
      error: { code: 10, error_subcode: 2018278, type: "OAuthException", message: "outside" },
    });
    sandbox.state.failNext({ path: /messages/ }, metaErrors.serverTemporary);
    const server = await sendMessage();
    expect(server.status).toBe(500);
    expect(await server.json()).toMatchObject({ error: { code: 2, is_transient: true } });
    expect(server.headers.get("x-business-use-case-usage")).toBeNull();
  });

  it("gives each canned error Meta's code and subcode", () => {
    expect(metaErrors.tokenExpired).toMatchObject({ code: 190, subcode: 463 });
    expect(metaErrors.tokenInvalid).toMatchObject({ code: 190, subcode: 460 });
    expect(metaErrors.outsideWindow).toMatchObject({ code: 10, subcode: 2018278 });
    expect(metaErrors.userUnavailable).toMatchObject({ code: 551 });
    expect([metaErrors.rateLimit, metaErrors.userRateLimit, metaErrors.pageRateLimit].map((e) => e.code)).toEqual([
      4, 17, 32,
    ]);
    expect([metaErrors.permission.code, metaErrors.permissionDenied.code]).toEqual([10, 200]);
    expect([metaErrors.server.status, metaErrors.serverTemporary.status]).toEqual([500, 500]);
  });

  it("answers injected faults on api.instagram.com in that host's legacy shape", async () => {
    sandbox.state.failNext({ path: /^\/ig-api\// }, metaErrors.server);
    const res = await fetch(`${sandbox.urls.igApi}/oauth/access_token`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error_type: "OAuthException",
      code: 500,
      error_message: "An unknown error occurred",
    });
  });

  it("sends a 190 challenge header with token faults", async () => {
    sandbox.state.failNext({ path: /messages/ }, metaErrors.tokenExpired);
    const res = await sendMessage();
    expect(res.headers.get("www-authenticate")).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);
    await res.body?.cancel();
  });
});

describe("request log", () => {
  it("records method, host, path as sent, query, body and status", async () => {
    await (await sendMessage("logged")).json();
    const entry = sandbox.state.requests.at(-1)!;
    expect(entry).toMatchObject({
      method: "POST",
      host: "graph",
      path: `/graph/v21.0/${SANDBOX_SHOP_PAGE_ID}/messages`,
      query: { access_token: pageToken },
      body: { recipient: { id: "igsid-1" }, message: { text: "logged" } },
      status: 200,
    });
    expect(entry.fbtraceId).toHaveLength(11);
  });
});
