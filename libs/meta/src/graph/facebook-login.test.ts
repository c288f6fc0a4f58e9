import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeGraph,
  fakeGraphConfig,
  metaErrorBody,
  startFakeGraph,
  TEST_APP,
} from "../testing/fake-graph-server.js";
import { GraphClient } from "./client.js";
import { GraphApiError, GraphResponseError } from "./errors.js";

const USER_TOKEN = "EAAGuserLongLivedToken0001";
const PAGE_TOKEN = "EAAGpageToken0000000002";

let fake: FakeGraph;
let client: GraphClient;

beforeEach(async () => {
  fake = await startFakeGraph();
  client = new GraphClient(fakeGraphConfig(fake));
});
afterEach(() => fake.close());

describe("exchangeCode", () => {
  it("GETs /v23.0/oauth/access_token with client_id, redirect_uri, client_secret and code", async () => {
    fake.on("GET", "/v23.0/oauth/access_token", {
      body: { access_token: "EAAGshort", token_type: "bearer", expires_in: 5183944 },
    });
    const result = await client.exchangeCode("the-code", "https://example.test/oauth/callback");
    expect(result).toEqual({ accessToken: "EAAGshort", expiresIn: 5183944 });
    const [req] = fake.requests;
    expect(req!.method).toBe("GET");
    expect(Object.fromEntries(req!.query)).toEqual({
      client_id: TEST_APP.appId,
      redirect_uri: "https://example.test/oauth/callback",
      client_secret: TEST_APP.appSecret,
      code: "the-code",
    });
  });

  it("leaves expiresIn out when Meta does not send expires_in", async () => {
    fake.on("GET", "/v23.0/oauth/access_token", { body: { access_token: "EAAGshort", token_type: "bearer" } });
    expect(await client.exchangeCode("c", "https://x.test/cb")).toEqual({ accessToken: "EAAGshort" });
  });

  it("uses the configured API version", async () => {
    const v = new GraphClient({ ...fakeGraphConfig(fake), apiVersion: "v19.0" });
    fake.on("GET", "/v19.0/oauth/access_token", { body: { access_token: "EAAG19" } });
    expect(await v.exchangeCode("c", "https://x.test/cb")).toEqual({ accessToken: "EAAG19" });
  });
});

describe("exchangeForLongLivedUserToken", () => {
  it("sends grant_type=fb_exchange_token with the app credentials and the short token", async () => {
    fake.on("GET", "/v23.0/oauth/access_token", {
      body: { access_token: USER_TOKEN, token_type: "bearer", expires_in: 5183999 },
    });
    expect(await client.exchangeForLongLivedUserToken("EAAGshortToken")).toEqual({
      accessToken: USER_TOKEN,
      expiresIn: 5183999,
    });
    expect(Object.fromEntries(fake.requests[0]!.query)).toEqual({
      grant_type: "fb_exchange_token",
      client_id: TEST_APP.appId,
      client_secret: TEST_APP.appSecret,
      fb_exchange_token: "EAAGshortToken",
    });
  });
});

describe("me", () => {
  it("GETs /me?fields=id,name with the user token", async () => {
    fake.on("GET", "/v23.0/me", { body: { id: "10158000000000001", name: "Ada Lovelace" } });
    expect(await client.me(USER_TOKEN)).toEqual({ id: "10158000000000001", name: "Ada Lovelace" });
    const [req] = fake.requests;
    expect(req!.query.get("fields")).toBe("id,name");
    expect(req!.query.get("access_token")).toBe(USER_TOKEN);
  });

  it("works without a name", async () => {
    fake.on("GET", "/v23.0/me", { body: { id: "42" } });
    expect(await client.me(USER_TOKEN)).toEqual({ id: "42" });
  });
});

describe("listPages", () => {
  it("asks for page tokens and linked Instagram accounts and follows paging.next to the end", async () => {
    fake.on("GET", "/v23.0/me/accounts", (req, server) => {
      const after = req.query.get("after");
      if (after === null) {
        return {
          body: {
            data: [
              {
                id: "101",
                name: "Cafe",
                access_token: "EAAGpage101",
                instagram_business_account: { id: "17841400000000001", username: "cafe" },
              },
              { id: "102", name: "No IG", access_token: "EAAGpage102" },
            ],
            paging: {
              cursors: { before: "b1", after: "a1" },
              next: `${server.url}/v23.0/me/accounts?access_token=${USER_TOKEN}&after=a1`,
            },
          },
        };
      }
      if (after === "a1") {
        return {
          body: {
            data: [{ id: "103", access_token: "EAAGpage103", instagram_business_account: { id: "17841400000000003" } }],
            paging: { cursors: { before: "b2", after: "a2" }, next: `${server.url}/v23.0/me/accounts?after=a2` },
          },
        };
      }
      return { body: { data: [], paging: { cursors: { before: "b3", after: "a3" } } } };
    });

    const pages = await client.listPages(USER_TOKEN);
    expect(pages).toEqual([
      {
        id: "101",
        name: "Cafe",
        accessToken: "EAAGpage101",
        instagramAccount: { id: "17841400000000001", username: "cafe" },
      },
      { id: "102", name: "No IG", accessToken: "EAAGpage102" },
      { id: "103", accessToken: "EAAGpage103", instagramAccount: { id: "17841400000000003" } },
    ]);
    expect(fake.requests).toHaveLength(3);
    const [first, second, third] = fake.requests;
    expect(first!.query.get("fields")).toBe("id,name,access_token,instagram_business_account{id,username}");
    expect(first!.query.get("access_token")).toBe(USER_TOKEN);
    expect(second!.query.get("after")).toBe("a1");
    // a next URL without the token gets it added
    expect(third!.query.get("access_token")).toBe(USER_TOKEN);
    expect(third!.query.get("after")).toBe("a2");
  });

  it("stops on a page with no next link", async () => {
    fake.on("GET", "/v23.0/me/accounts", { body: { data: [{ id: "1", access_token: "EAAGp1" }] } });
    expect(await client.listPages(USER_TOKEN)).toEqual([{ id: "1", accessToken: "EAAGp1" }]);
    expect(fake.requests).toHaveLength(1);
  });

  it("refuses to send the token to a paging.next on another host", async () => {
    fake.on("GET", "/v23.0/me/accounts", {
      body: { data: [{ id: "1", access_token: "EAAGp1" }], paging: { next: "https://evil.example/v23.0/me/accounts" } },
    });
    const err = await client.listPages(USER_TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphResponseError);
    expect((err as GraphResponseError).action).toBe("stop");
    expect(fake.requests).toHaveLength(1);
  });

  it("fails loudly when a page lacks its access token", async () => {
    fake.on("GET", "/v23.0/me/accounts", { body: { data: [{ id: "1", name: "x" }] } });
    const err = await client.listPages(USER_TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphResponseError);
    expect((err as GraphResponseError).issues).toEqual([expect.stringMatching(/^data\.0\.access_token: /)]);
  });
});

describe("debugToken", () => {
  it("uses the app token <appId>|<appSecret> and maps the answer", async () => {
    fake.on("GET", "/v23.0/debug_token", {
      body: {
        data: {
          app_id: TEST_APP.appId,
          type: "USER",
          application: "igdm",
          data_access_expires_at: 1790000000,
          expires_at: 1780000000,
          is_valid: true,
          scopes: ["instagram_basic", "instagram_manage_messages", "pages_show_list"],
          user_id: "10158000000000001",
        },
      },
    });
    expect(await client.debugToken(USER_TOKEN)).toEqual({
      isValid: true,
      expiresAt: new Date(1780000000 * 1000),
      scopes: ["instagram_basic", "instagram_manage_messages", "pages_show_list"],
      userId: "10158000000000001",
      type: "USER",
    });
    const [req] = fake.requests;
    expect(req!.query.get("input_token")).toBe(USER_TOKEN);
    expect(req!.query.get("access_token")).toBe(`${TEST_APP.appId}|${TEST_APP.appSecret}`);
  });

  it("maps expires_at 0 (never) to null", async () => {
    fake.on("GET", "/v23.0/debug_token", {
      body: { data: { type: "PAGE", expires_at: 0, is_valid: true, scopes: ["pages_messaging"], profile_id: "101" } },
    });
    const info = await client.debugToken(PAGE_TOKEN);
    expect(info.expiresAt).toBeNull();
    expect(info.type).toBe("PAGE");
  });

  it("reports an invalid token with its error code and subcode", async () => {
    fake.on("GET", "/v23.0/debug_token", {
      body: {
        data: {
          app_id: TEST_APP.appId,
          is_valid: false,
          expires_at: 1700000000,
          scopes: [],
          user_id: "10158000000000001",
          error: { code: 190, message: "Error validating access token: the user changed their password", subcode: 460 },
        },
      },
    });
    expect(await client.debugToken(USER_TOKEN)).toEqual({
      isValid: false,
      expiresAt: new Date(1700000000 * 1000),
      scopes: [],
      userId: "10158000000000001",
      errorCode: 190,
      errorSubcode: 460,
    });
  });
});

describe("subscribePage and pageSubscription", () => {
  it("POSTs /{page}/subscribed_apps with the fields and the page token", async () => {
    fake.on("POST", "/v23.0/101/subscribed_apps", { body: { success: true } });
    await client.subscribePage("101", PAGE_TOKEN, ["messages", "messaging_postbacks", "message_reactions"]);
    const [req] = fake.requests;
    expect(req!.method).toBe("POST");
    expect(req!.query.get("subscribed_fields")).toBe("messages,messaging_postbacks,message_reactions");
    expect(req!.query.get("access_token")).toBe(PAGE_TOKEN);
  });

  it("treats success: false as a failure", async () => {
    fake.on("POST", "/v23.0/101/subscribed_apps", { body: { success: false } });
    await expect(client.subscribePage("101", PAGE_TOKEN, ["messages"])).rejects.toBeInstanceOf(GraphResponseError);
  });

  it("surfaces a missing permission as a stop error", async () => {
    fake.on("POST", "/v23.0/101/subscribed_apps", {
      status: 403,
      body: metaErrorBody(200, "(#200) Requires pages_manage_metadata permission"),
    });
    const err = (await client.subscribePage("101", PAGE_TOKEN, ["messages"]).catch((e: unknown) => e)) as GraphApiError;
    expect(err).toBeInstanceOf(GraphApiError);
    expect(err.action).toBe("stop");
    expect(err.graphCode).toBe(200);
  });

  it("encodes the page id so it cannot change the path", async () => {
    await client.subscribePage("1/../me", PAGE_TOKEN, ["messages"]).catch(() => undefined);
    expect(fake.requests[0]!.path).toBe("/v23.0/1%2F..%2Fme/subscribed_apps");
  });

  it("reports subscribed when our app id is listed, with its fields", async () => {
    fake.on("GET", "/v23.0/101/subscribed_apps", {
      body: {
        data: [
          { category: "Business", link: "https://x.test", name: "Other", id: "555", subscribed_fields: ["feed"] },
          { name: "igdm", id: TEST_APP.appId, subscribed_fields: ["messages", "messaging_postbacks"] },
        ],
      },
    });
    expect(await client.pageSubscription("101", PAGE_TOKEN)).toEqual({
      subscribed: true,
      fields: ["messages", "messaging_postbacks"],
    });
    expect(fake.requests[0]!.query.get("access_token")).toBe(PAGE_TOKEN);
  });

  it("reports not subscribed when only other apps are listed (Meta unsubscribed us)", async () => {
    fake.on("GET", "/v23.0/101/subscribed_apps", { body: { data: [{ id: "555", subscribed_fields: ["feed"] }] } });
    expect(await client.pageSubscription("101", PAGE_TOKEN)).toEqual({ subscribed: false, fields: [] });
  });
});
