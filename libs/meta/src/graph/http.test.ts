import { createServer } from "node:net";
import { createLogger } from "@igdm/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeGraph,
  fakeGraphConfig,
  metaErrorBody,
  startFakeGraph,
  TEST_APP,
} from "../testing/fake-graph-server.js";
import { GraphClient } from "./client.js";
import type { GraphClientConfig } from "./config.js";
import { type GraphAction, GraphApiError, GraphResponseError } from "./errors.js";

const USER_TOKEN = "EAAGuserLongLivedTokenSECRET1";
const PAGE_TOKEN = "EAAGpageTokenSECRET2";
const IG_TOKEN = "IGAAigTokenSECRET3";

let fake: FakeGraph;
let client: GraphClient;

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const log = createLogger({
    service: "graph-test",
    level: "debug",
    destination: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  });
  return { log, lines, raw };
}

async function failure(p: Promise<unknown>): Promise<GraphApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphApiError);
  return err as GraphApiError;
}

beforeEach(async () => {
  fake = await startFakeGraph();
  client = new GraphClient(fakeGraphConfig(fake));
});
afterEach(() => fake.close());

describe("error classification over HTTP", () => {
  const cases: Array<[string, number, number, number | undefined, GraphAction]> = [
    ["rate limit 4", 403, 4, undefined, "retry"],
    ["rate limit 613", 400, 613, undefined, "retry"],
    ["send failure 1200", 400, 1200, undefined, "retry"],
    ["IG rate limit 80002", 400, 80002, undefined, "retry"],
    ["unknown 1 on a 500", 500, 1, undefined, "retry"],
    ["expired token 190/463", 400, 190, 463, "reauth"],
    ["password changed 190/460", 400, 190, 460, "reauth"],
    ["outside window 10/2018278", 400, 10, 2018278, "stop"],
    ["user unavailable 10/2018108", 400, 10, 2018108, "stop"],
    ["user unavailable 551", 400, 551, undefined, "stop"],
    ["user unavailable 200/1545041", 400, 200, 1545041, "stop"],
    ["app not live 200/2018028", 400, 200, 2018028, "stop"],
    ["permission 230", 403, 230, undefined, "stop"],
    ["bad parameter 100", 400, 100, undefined, "stop"],
  ];
  it.each(cases)("%s -> %s", async (_name, status, code, subcode, action) => {
    fake.on("POST", "/v23.0/101/messages", {
      status,
      body: metaErrorBody(code, `(#${code}) Meta says no`, subcode === undefined ? {} : { subcode }),
    });
    const err = await failure(
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err).toMatchObject({
      action,
      code: `IGDM_ERR_GRAPH_${action.toUpperCase()}`,
      status,
      graphCode: code,
      subcode,
      type: "OAuthException",
      fbtraceId: "AbCdEfTrace",
    });
    expect(err.message).toContain(`(#${code}) Meta says no`);
    expect(err.message).toContain("AbCdEfTrace");
  });

  it("a non-JSON 5xx is retry, a non-JSON 4xx is stop", async () => {
    fake.on("POST", "/v23.0/101/messages", [
      { status: 502, body: "<html>Bad Gateway</html>" },
      { status: 404, body: "<html>Not Found</html>" },
    ]);
    const send = () =>
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" });
    expect(await failure(send())).toMatchObject({ action: "retry", status: 502, graphCode: undefined });
    expect(await failure(send())).toMatchObject({ action: "stop", status: 404 });
  });

  it("an error body on a 200 is still an error", async () => {
    fake.on("GET", "/v23.0/me", { status: 200, body: metaErrorBody(190, "Invalid OAuth access token") });
    expect(await failure(client.me(USER_TOKEN))).toMatchObject({ action: "reauth", status: 200, graphCode: 190 });
  });

  it("falls back to the x-fb-trace-id header when the body has no fbtrace_id", async () => {
    fake.on("GET", "/v23.0/me", {
      status: 400,
      body: { error: { message: "nope", type: "OAuthException", code: 100 } },
    });
    expect(await failure(client.me(USER_TOKEN))).toMatchObject({ fbtraceId: "HdrTrace123", action: "stop" });
  });
});

describe("retry-after", () => {
  it("comes from X-Business-Use-Case-Usage estimated_time_to_regain_access (minutes)", async () => {
    fake.on("POST", "/v23.0/101/messages", {
      status: 400,
      headers: {
        "x-business-use-case-usage": JSON.stringify({
          "101": [
            { type: "messenger", call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 7 },
          ],
        }),
      },
      body: metaErrorBody(80006, "There have been too many messages sent to this Instagram account"),
    });
    const err = await failure(
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err).toMatchObject({ action: "retry", retryAfterMs: 7 * 60_000 });
  });

  it("comes from Retry-After (seconds)", async () => {
    fake.on("POST", "/v23.0/101/messages", {
      status: 400,
      headers: { "retry-after": "30" },
      body: metaErrorBody(613, "Calls to this api have exceeded the rate limit."),
    });
    const err = await failure(
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err.retryAfterMs).toBe(30_000);
  });

  it("is undefined when Meta says nothing", async () => {
    fake.on("GET", "/v23.0/me", { status: 400, body: metaErrorBody(17, "User request limit reached") });
    expect((await failure(client.me(USER_TOKEN))).retryAfterMs).toBeUndefined();
  });
});

describe("retries", () => {
  it("retries a GET on 5xx (2 retries by default) and succeeds", async () => {
    fake.on("GET", "/v23.0/me", [
      { status: 500, body: metaErrorBody(2, "Service temporarily unavailable") },
      { status: 503, body: "<html>down</html>" },
      { body: { id: "1" } },
    ]);
    expect(await client.me(USER_TOKEN)).toEqual({ id: "1" });
    expect(fake.requests).toHaveLength(3);
  });

  it("gives up after the configured retries with a retry error", async () => {
    const c = new GraphClient({ ...fakeGraphConfig(fake), retries: 1 });
    fake.on("GET", "/v23.0/me", { status: 500, body: metaErrorBody(1, "An unknown error occurred") });
    const err = await failure(c.me(USER_TOKEN));
    expect(err).toMatchObject({ action: "retry", code: "IGDM_ERR_GRAPH_RETRY", status: 500, graphCode: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry a 5xx that carries a permanent code", async () => {
    fake.on("GET", "/v23.0/me", { status: 500, body: metaErrorBody(190, "Session has expired", { subcode: 463 }) });
    expect(await failure(client.me(USER_TOKEN))).toMatchObject({ action: "reauth" });
    expect(fake.requests).toHaveLength(1);
  });

  it("does not retry a 4xx rate limit itself (the caller backs off)", async () => {
    fake.on("GET", "/v23.0/me", { status: 400, body: metaErrorBody(4, "Application request limit reached") });
    expect(await failure(client.me(USER_TOKEN))).toMatchObject({ action: "retry" });
    expect(fake.requests).toHaveLength(1);
  });

  it("never retries a POST on 5xx (a retried send could deliver twice)", async () => {
    fake.on("POST", "/v23.0/101/messages", [
      { status: 500, body: metaErrorBody(2, "Service temporarily unavailable") },
      { body: { recipient_id: "1", message_id: "m" } },
    ]);
    const err = await failure(
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err).toMatchObject({ action: "retry", status: 500, graphCode: 2 });
    expect(fake.requests).toHaveLength(1);
  });

  it("never retries subscribePage (POST) either", async () => {
    fake.on("POST", "/v23.0/101/subscribed_apps", { status: 503, body: "busy" });
    await failure(client.subscribePage("101", PAGE_TOKEN, ["messages"]));
    expect(fake.requests).toHaveLength(1);
  });

  it("a timeout is a retry error, and GETs are retried after one", async () => {
    const c = new GraphClient({ ...fakeGraphConfig(fake), timeoutMs: 150, retries: 1 });
    fake.on("GET", "/v23.0/me", { hang: true });
    const err = await failure(c.me(USER_TOKEN));
    expect(err).toMatchObject({ action: "retry", code: "IGDM_ERR_GRAPH_RETRY", status: undefined });
    expect(err.message).toContain("ETIMEDOUT");
    expect(fake.requests).toHaveLength(2);
  });

  it("a refused connection is a retry error", async () => {
    // a port that was just free: nothing listens there any more
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const c = new GraphClient({ ...fakeGraphConfig(fake), graphBaseUrl: `http://127.0.0.1:${port}` });
    const err = await failure(
      c.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err).toMatchObject({ action: "retry", code: "IGDM_ERR_GRAPH_RETRY", status: undefined });
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).not.toContain(PAGE_TOKEN);
  });
});

describe("schema checks", () => {
  it("a 2xx body of the wrong shape is a GraphResponseError (stop) naming the field, not its value", async () => {
    fake.on("GET", "/v23.0/oauth/access_token", {
      body: { accessToken: "EAAGrenamedFieldSECRET", expires_in: "soon" },
    });
    const err = await failure(client.exchangeCode("c", "https://x.test/cb"));
    expect(err).toBeInstanceOf(GraphResponseError);
    expect(err).toMatchObject({ action: "stop", code: "IGDM_ERR_GRAPH_STOP", status: 200, fbtraceId: "HdrTrace123" });
    expect((err as GraphResponseError).issues.join("\n")).toMatch(/access_token/);
    expect((err as GraphResponseError).issues.join("\n")).toMatch(/expires_in/);
    expect(err.message).not.toContain("EAAGrenamedFieldSECRET");
  });

  it("a 2xx body that is not JSON is a GraphResponseError", async () => {
    fake.on("POST", "/v23.0/101/messages", { body: "<html>ok</html>" });
    const err = await failure(
      client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }),
    );
    expect(err).toBeInstanceOf(GraphResponseError);
    expect((err as GraphResponseError).issues).toEqual(["body is not JSON"]);
  });

  it("debug_token without is_valid fails loudly", async () => {
    fake.on("GET", "/v23.0/debug_token", { body: { data: { valid: true } } });
    await expect(client.debugToken(USER_TOKEN)).rejects.toBeInstanceOf(GraphResponseError);
  });
});

describe("secrets never leak", () => {
  const secrets = [USER_TOKEN, PAGE_TOKEN, IG_TOKEN, TEST_APP.appSecret, TEST_APP.igAppSecret];
  const expectClean = (text: string) => {
    for (const s of secrets) expect(text).not.toContain(s);
  };

  it("Meta's message echoing tokens and query strings is scrubbed", async () => {
    fake.on("GET", "/v23.0/debug_token", {
      status: 400,
      body: metaErrorBody(
        190,
        `Malformed access token ${USER_TOKEN} in https://graph.facebook.com/v23.0/debug_token?input_token=${USER_TOKEN}&access_token=${TEST_APP.appId}|${TEST_APP.appSecret}`,
      ),
    });
    const err = await failure(client.debugToken(USER_TOKEN));
    expectClean(err.message);
    expect(err.message).toContain("input_token=[redacted]");
    expect(err.message).toContain("fbtrace_id AbCdEfTrace");
  });

  it("secrets in a non-JSON error body are scrubbed", async () => {
    fake.on("GET", "/access_token", {
      status: 400,
      body: `<html>bad request client_secret=${TEST_APP.igAppSecret}&access_token=${IG_TOKEN} Bearer ${IG_TOKEN}</html>`,
    });
    const err = await failure(client.igExchangeForLongLived(IG_TOKEN));
    expectClean(err.message);
  });

  it("the OAuth code never appears in an error", async () => {
    const code = "AQDsecretOAuthCode1234";
    fake.on("POST", "/oauth/access_token", {
      status: 400,
      body: { error_type: "OAuthException", code: 400, error_message: `Invalid code ${code}` },
    });
    const err = await failure(client.igExchangeCode(code, "https://x.test/cb"));
    expect(err.message).not.toContain(code);
  });

  it("logs one debug line per call and a warn per failure, without tokens or query strings", async () => {
    const { log, lines, raw } = capturingLogger();
    const c = new GraphClient({ ...fakeGraphConfig(fake), log } satisfies GraphClientConfig);
    fake.on("GET", "/v23.0/me", { body: { id: "1", name: "Ada" } });
    fake.on("GET", "/v23.0/me/accounts", { body: { data: [{ id: "101", access_token: PAGE_TOKEN }] } });
    fake.on("GET", "/access_token", { body: { access_token: IG_TOKEN, expires_in: 5184000 } });
    fake.on("POST", "/v23.0/101/messages", {
      status: 400,
      body: metaErrorBody(10, `(#10) outside window for token ${PAGE_TOKEN}`, {
        subcode: 2018278,
        fbtraceId: "WarnTrace",
      }),
    });
    fake.on("POST", "/v23.0/17841400000000001/messages", { status: 500, body: `Bearer ${IG_TOKEN} failed` });

    await c.me(USER_TOKEN);
    await c.listPages(USER_TOKEN);
    await c.igExchangeForLongLived("IGAAshortSECRET4");
    await failure(c.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" }));
    await failure(
      c.sendText({ pageId: "17841400000000001", token: IG_TOKEN, recipientId: "1", text: "x", loginType: "instagram" }),
    );

    const all = raw.join("");
    expectClean(all);
    expect(all).not.toContain("IGAAshortSECRET4");
    expect(all).not.toContain("?");

    const debug = lines.filter((l) => l.level === 20).map((l) => l.graph as Record<string, unknown>);
    expect(debug.map((g) => [g.method, g.path, g.status])).toEqual([
      ["GET", "/v23.0/me", 200],
      ["GET", "/v23.0/me/accounts", 200],
      ["GET", "/access_token", 200],
      ["POST", "/v23.0/101/messages", 400],
      ["POST", "/v23.0/17841400000000001/messages", 500],
    ]);
    for (const g of debug) {
      expect(g.durationMs).toEqual(expect.any(Number));
      expect(g.fbtrace_id).toEqual(expect.any(String));
    }
    expect(debug[3]!.fbtrace_id).toBe("WarnTrace");

    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(2);
    expect(warns[0]!.graph).toMatchObject({ fbtrace_id: "WarnTrace", action: "stop", graphCode: 10, subcode: 2018278 });
    expect(warns[0]!.msg).toContain("outside window");
    expect(warns[1]!.graph).toMatchObject({ action: "retry", status: 500 });
  });

  it("logs network failures as warnings too", async () => {
    const { log, lines, raw } = capturingLogger();
    const c = new GraphClient({ ...fakeGraphConfig(fake), log, timeoutMs: 100, retries: 0 });
    fake.on("GET", "/v23.0/me", { hang: true });
    await failure(c.me(USER_TOKEN));
    expectClean(raw.join(""));
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines.find((l) => l.level === 40)!.graph).toMatchObject({ action: "retry", path: "/v23.0/me" });
  });
});
