import { ConfigError } from "@igdm/runtime";
import { describe, expect, it } from "vitest";
import { GRAPH_CLIENT_DEFAULTS, resolveGraphClientConfig } from "./config.js";
import {
  classifyGraphError,
  type GraphAction,
  GraphApiError,
  GraphResponseError,
  retryAfterMsFromHeaders,
  scrubSecrets,
} from "./errors.js";
import { parseJsonLosslessIds } from "./http.js";

describe("classifyGraphError", () => {
  const table: Array<[string, number | undefined, number | undefined, number | undefined, GraphAction]> = [
    // [case, HTTP status, code, subcode, action]
    ["1 unknown error", 500, 1, undefined, "retry"],
    ["2 service unavailable", 503, 2, undefined, "retry"],
    ["4 app rate limit", 403, 4, undefined, "retry"],
    ["17 user rate limit", 400, 17, undefined, "retry"],
    ["32 page rate limit", 403, 32, undefined, "retry"],
    ["341 app limit", 400, 341, undefined, "retry"],
    ["613 calls over limit", 400, 613, undefined, "retry"],
    ["1200 temporary send failure", 400, 1200, undefined, "retry"],
    ["80002 IG rate limit", 400, 80002, undefined, "retry"],
    ["80006 messenger rate limit", 400, 80006, undefined, "retry"],
    ["5xx with no code", 502, undefined, undefined, "retry"],
    ["5xx with an unknown code", 500, 99999, undefined, "retry"],
    ["no answer at all", undefined, undefined, undefined, "retry"],
    ["190 plain", 400, 190, undefined, "reauth"],
    ["190/458 app removed", 400, 190, 458, "reauth"],
    ["190/460 password changed", 400, 190, 460, "reauth"],
    ["190/463 expired", 400, 190, 463, "reauth"],
    ["190/467 invalid", 400, 190, 467, "reauth"],
    ["190/492 invalid session", 400, 190, 492, "reauth"],
    ["190 on a 5xx", 500, 190, undefined, "reauth"],
    ["10 permission", 403, 10, undefined, "stop"],
    ["10/2018278 outside the window", 400, 10, 2018278, "stop"],
    ["10/2018108 user unavailable", 400, 10, 2018108, "stop"],
    ["200 permission", 403, 200, undefined, "stop"],
    ["200/1545041 user unavailable", 400, 200, 1545041, "stop"],
    ["200/2018028 app not live", 400, 200, 2018028, "stop"],
    ["230 permission family", 403, 230, undefined, "stop"],
    ["299 permission family", 403, 299, undefined, "stop"],
    ["551 user unavailable", 400, 551, undefined, "stop"],
    ["100 bad parameter", 400, 100, undefined, "stop"],
    ["100 on a 5xx (known permanent)", 500, 100, undefined, "stop"],
    ["10 on a 5xx (known permanent)", 503, 10, undefined, "stop"],
    ["other 4xx with an unknown code", 400, 12345, undefined, "stop"],
    ["other 4xx without a code", 404, undefined, undefined, "stop"],
    ["300 is not in the 200-299 family", 400, 300, undefined, "stop"],
    ["300 on a 5xx", 500, 300, undefined, "retry"],
  ];
  it.each(table)("%s (HTTP %s, code %s/%s) -> %s", (_name, status, code, subcode, action) => {
    expect(classifyGraphError(status, code, subcode)).toBe(action);
    const err = new GraphApiError("x", { status, graphCode: code, subcode });
    expect(err.action).toBe(action);
    expect(err.code).toBe(
      { retry: "IGDM_ERR_GRAPH_RETRY", reauth: "IGDM_ERR_GRAPH_REAUTH", stop: "IGDM_ERR_GRAPH_STOP" }[action],
    );
  });

  it("GraphResponseError is a GraphApiError that always says stop", () => {
    const err = new GraphResponseError("bad shape", { status: 200, issues: ["data: required"] });
    expect(err).toBeInstanceOf(GraphApiError);
    expect(err).toMatchObject({
      action: "stop",
      code: "IGDM_ERR_GRAPH_STOP",
      issues: ["data: required"],
      name: "GraphResponseError",
    });
  });
});

describe("scrubSecrets", () => {
  it.each([
    [
      "https://g.test/v23.0/me?access_token=EAAGsecret123&fields=id",
      "https://g.test/v23.0/me?access_token=[redacted]&fields=id",
    ],
    ["input_token=EAAGx1|y2&access_token=123|appsecret", "input_token=[redacted]&access_token=[redacted]"],
    ["?fb_exchange_token=EAAGshort&client_secret=abc", "?fb_exchange_token=[redacted]&client_secret=[redacted]"],
    ["client_id=1&code=AQDcode123#_", "client_id=1&code=[redacted]#_"],
    ["error_code=190 stays", "error_code=190 stays"],
    ["Authorization: Bearer IGAAtoken.with-dots", "Authorization: Bearer [redacted]"],
    ['{"access_token":"EAAGjson","expires_in":1}', '{"access_token":"[redacted]","expires_in":1}'],
    ["access_token%3DEAAGencoded", "access_token%3D[redacted]"],
  ])("%s", (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it("removes known literal secrets anywhere, raw or URL-encoded", () => {
    expect(scrubSecrets("token EAAG+abc/def= leaked, EAAG%2Babc%2Fdef%3D too", ["EAAG+abc/def="])).toBe(
      "token [redacted] leaked, [redacted] too",
    );
  });

  it("GraphApiError scrubs its message", () => {
    const err = new GraphApiError("failed GET /me?access_token=EAAGleak Bearer IGAAleak", { status: 400 });
    expect(err.message).not.toContain("EAAGleak");
    expect(err.message).not.toContain("IGAAleak");
  });
});

describe("retryAfterMsFromHeaders", () => {
  const buc = (minutes: number[]) =>
    JSON.stringify({
      "101": minutes.map((m) => ({
        type: "messenger",
        call_count: 100,
        total_cputime: 20,
        total_time: 30,
        estimated_time_to_regain_access: m,
      })),
    });

  it("takes the largest estimated_time_to_regain_access (minutes)", () => {
    expect(retryAfterMsFromHeaders({ "x-business-use-case-usage": buc([0, 5, 2]) })).toBe(5 * 60_000);
  });
  it("prefers the usage header over Retry-After when it says to wait", () => {
    expect(retryAfterMsFromHeaders({ "x-business-use-case-usage": buc([3]), "retry-after": "10" })).toBe(180_000);
  });
  it("falls back to Retry-After when the usage header says 0", () => {
    expect(retryAfterMsFromHeaders({ "x-business-use-case-usage": buc([0]), "retry-after": "10" })).toBe(10_000);
  });
  it("reads Retry-After as an HTTP date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMsFromHeaders({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }, now)).toBe(30_000);
  });
  it("ignores a malformed usage header", () => {
    expect(retryAfterMsFromHeaders({ "x-business-use-case-usage": "{not json", "retry-after": "2" })).toBe(2000);
  });
  it("is undefined without either header", () => {
    expect(retryAfterMsFromHeaders({})).toBeUndefined();
  });
});

describe("parseJsonLosslessIds", () => {
  it("keeps ids above 2^53 exact and leaves other numbers alone", () => {
    expect(
      parseJsonLosslessIds(
        '{"user_id":17841400000000123,"id": 17841400000000124,"expires_in":5184000,"n":17841400000000125}',
      ),
    ).toEqual({
      user_id: "17841400000000123",
      id: "17841400000000124",
      expires_in: 5184000,
      n: Number("17841400000000125"),
    });
  });
});

describe("resolveGraphClientConfig", () => {
  it("applies Meta's defaults", () => {
    const c = resolveGraphClientConfig({ appId: "1", appSecret: "s" });
    expect(c).toMatchObject({ ...GRAPH_CLIENT_DEFAULTS, igAppId: "1", igAppSecret: "s" });
    expect(c.graphBaseUrl).toBe("https://graph.facebook.com");
    expect(c.igGraphBaseUrl).toBe("https://graph.instagram.com");
    expect(c.igApiBaseUrl).toBe("https://api.instagram.com");
    expect(c.apiVersion).toBe("v23.0");
    expect(c.timeoutMs).toBe(10_000);
    expect(c.retries).toBe(2);
  });
  it("strips trailing slashes from base URLs", () => {
    expect(resolveGraphClientConfig({ appId: "1", appSecret: "s", graphBaseUrl: "http://x.test/" }).graphBaseUrl).toBe(
      "http://x.test",
    );
  });
  it("names every problem", () => {
    let err: unknown;
    try {
      resolveGraphClientConfig({ appId: "", appSecret: "", apiVersion: "23", retries: -1, graphBaseUrl: "nope" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(5);
  });
});
