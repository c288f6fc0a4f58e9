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

const IG_TOKEN = "IGAAlongLivedToken00001";

let fake: FakeGraph;
let client: GraphClient;

beforeEach(async () => {
  fake = await startFakeGraph();
  client = new GraphClient(fakeGraphConfig(fake));
});
afterEach(() => fake.close());

describe("igExchangeCode", () => {
  it("POSTs a form to /oauth/access_token with the Instagram app credentials", async () => {
    fake.on("POST", "/oauth/access_token", {
      body: { access_token: "IGAAshort", user_id: "17841400000000001", permissions: "instagram_business_basic" },
    });
    expect(await client.igExchangeCode("ig-code", "https://example.test/ig/callback")).toEqual({
      accessToken: "IGAAshort",
      userId: "17841400000000001",
    });
    const [req] = fake.requests;
    expect(req!.method).toBe("POST");
    expect(req!.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect([...req!.query]).toEqual([]);
    expect(Object.fromEntries(req!.form!)).toEqual({
      client_id: TEST_APP.igAppId,
      client_secret: TEST_APP.igAppSecret,
      grant_type: "authorization_code",
      redirect_uri: "https://example.test/ig/callback",
      code: "ig-code",
    });
  });

  it("keeps a numeric user_id above 2^53 exact and drops Meta's #_ suffix from the code", async () => {
    fake.on("POST", "/oauth/access_token", {
      body: '{"access_token":"IGAAshort","user_id":17841400000000123,"permissions":["instagram_business_basic"]}',
    });
    const r = await client.igExchangeCode("ig-code#_", "https://example.test/ig/callback");
    expect(r.userId).toBe("17841400000000123");
    expect(fake.requests[0]!.form!.get("code")).toBe("ig-code");
  });

  it("accepts the data[] wrapped answer", async () => {
    fake.on("POST", "/oauth/access_token", {
      body: { data: [{ access_token: "IGAAshort", user_id: "17841400000000002", permissions: "x" }] },
    });
    expect(await client.igExchangeCode("c", "https://x.test/cb")).toEqual({
      accessToken: "IGAAshort",
      userId: "17841400000000002",
    });
  });

  it("falls back to the Facebook app credentials without Instagram ones", async () => {
    const c = new GraphClient({ ...fakeGraphConfig(fake), igAppId: undefined, igAppSecret: undefined });
    fake.on("POST", "/oauth/access_token", { body: { access_token: "IGAAshort", user_id: "1" } });
    await c.igExchangeCode("c", "https://x.test/cb");
    expect(fake.requests[0]!.form!.get("client_id")).toBe(TEST_APP.appId);
    expect(fake.requests[0]!.form!.get("client_secret")).toBe(TEST_APP.appSecret);
  });

  it("maps Instagram's OAuth error shape to a stop error", async () => {
    fake.on("POST", "/oauth/access_token", {
      status: 400,
      body: { error_type: "OAuthException", code: 400, error_message: "Invalid authorization code" },
    });
    const err = (await client.igExchangeCode("bad", "https://x.test/cb").catch((e: unknown) => e)) as GraphApiError;
    expect(err).toBeInstanceOf(GraphApiError);
    expect(err).toMatchObject({ action: "stop", status: 400, type: "OAuthException", graphCode: undefined });
    expect(err.message).toContain("Invalid authorization code");
  });
});

describe("igExchangeForLongLived", () => {
  it("GETs /access_token with grant_type=ig_exchange_token, the Instagram secret and the short token", async () => {
    fake.on("GET", "/access_token", { body: { access_token: IG_TOKEN, token_type: "bearer", expires_in: 5184000 } });
    expect(await client.igExchangeForLongLived("IGAAshort")).toEqual({ accessToken: IG_TOKEN, expiresIn: 5184000 });
    expect(Object.fromEntries(fake.requests[0]!.query)).toEqual({
      grant_type: "ig_exchange_token",
      client_secret: TEST_APP.igAppSecret,
      access_token: "IGAAshort",
    });
  });

  it("requires expires_in", async () => {
    fake.on("GET", "/access_token", { body: { access_token: IG_TOKEN, token_type: "bearer" } });
    await expect(client.igExchangeForLongLived("IGAAshort")).rejects.toBeInstanceOf(GraphResponseError);
  });
});

describe("igRefresh", () => {
  it("GETs /refresh_access_token with grant_type=ig_refresh_token", async () => {
    fake.on("GET", "/refresh_access_token", {
      body: { access_token: "IGAArefreshed", token_type: "bearer", expires_in: 5184000 },
    });
    expect(await client.igRefresh(IG_TOKEN)).toEqual({ accessToken: "IGAArefreshed", expiresIn: 5184000 });
    expect(Object.fromEntries(fake.requests[0]!.query)).toEqual({
      grant_type: "ig_refresh_token",
      access_token: IG_TOKEN,
    });
  });

  it("reports an expired token as reauth", async () => {
    fake.on("GET", "/refresh_access_token", {
      status: 400,
      body: metaErrorBody(190, "Error validating access token: Session has expired", { subcode: 463 }),
    });
    await expect(client.igRefresh(IG_TOKEN)).rejects.toMatchObject({
      action: "reauth",
      code: "IGDM_ERR_GRAPH_REAUTH",
      graphCode: 190,
      subcode: 463,
    });
  });
});

describe("igMe", () => {
  it("GETs /v23.0/me?fields=user_id,id,username on the Instagram host", async () => {
    fake.on("GET", "/v23.0/me", { body: { user_id: "17841400000000001", username: "cafe", id: "26000000000000001" } });
    expect(await client.igMe(IG_TOKEN)).toEqual({
      userId: "17841400000000001",
      appScopedId: "26000000000000001",
      username: "cafe",
    });
    const [req] = fake.requests;
    expect(req!.query.get("fields")).toBe("user_id,id,username");
    expect(req!.query.get("access_token")).toBe(IG_TOKEN);
  });

  it("keeps a numeric user_id exact", async () => {
    fake.on("GET", "/v23.0/me", { body: '{"user_id": 17841400000000999, "id": "26000000000000001"}' });
    expect(await client.igMe(IG_TOKEN)).toEqual({ userId: "17841400000000999", appScopedId: "26000000000000001" });
  });

  it("talks to igGraphBaseUrl, not graphBaseUrl", async () => {
    const other = await startFakeGraph({ "GET /v23.0/me": { body: { user_id: "1", username: "ig" } } });
    try {
      const c = new GraphClient({ ...fakeGraphConfig(fake), igGraphBaseUrl: other.url });
      expect(await c.igMe(IG_TOKEN)).toEqual({ userId: "1", username: "ig" });
      expect(fake.requests).toHaveLength(0);
      expect(other.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
