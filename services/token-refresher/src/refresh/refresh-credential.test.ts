import type { Credential } from "@igdm/contracts";
import { TokenCipher } from "@igdm/crypto";
import { GraphClient } from "@igdm/meta";
import {
  type MetaSandbox,
  metaErrors,
  SANDBOX_SHOP_PAGE_ID,
  SANDBOX_USER_ID,
  startMetaSandbox,
} from "@igdm/meta-sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RefreshContext, refreshCredential } from "./refresh-credential.js";

const DAY = 86_400_000;
const cipher = TokenCipher.fromKeys([{ id: "k1", key: Buffer.alloc(32, 7) }]);
let sandbox: MetaSandbox;
let ctx: RefreshContext;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
  const graph = new GraphClient({
    graphBaseUrl: sandbox.urls.graph,
    igGraphBaseUrl: sandbox.urls.igGraph,
    igApiBaseUrl: sandbox.urls.igApi,
    appId: sandbox.config.appId,
    appSecret: sandbox.config.appSecret,
    retries: 0,
  });
  ctx = { graph, cipher, runKey: "refresh-1", now: new Date(), leadMs: 10 * DAY };
});
beforeEach(() => sandbox.state.reset());
afterAll(() => sandbox?.close());

function userCredential(expiresInMs: number): { cred: Credential; token: string } {
  const issued = sandbox.state.issueToken("user_long", { ownerId: SANDBOX_USER_ID, scopes: ["pages_show_list"] });
  sandbox.state.setTokenExpiresAt(issued.token, new Date(Date.now() + expiresInMs));
  return {
    token: issued.token,
    cred: {
      subjectType: "user",
      subjectId: SANDBOX_USER_ID,
      accessTokenEnc: cipher.encrypt(issued.token),
      tokenExpiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      tokenRefreshedAt: null,
      tokenIssuedAt: new Date(Date.now() - 50 * DAY).toISOString(),
      status: "valid",
    },
  };
}

describe("refreshCredential", () => {
  it("exchanges a user token that expires within the lead time, with an id tied to the pass", async () => {
    const { cred, token } = userCredential(2 * DAY);
    const [event] = await refreshCredential(ctx, cred);
    expect(event).toMatchObject({ kind: "token_refreshed", id: `token_refreshed:user:${SANDBOX_USER_ID}:refresh-1` });
    const fresh = cipher.decrypt((event as { accessTokenEnc: string }).accessTokenEnc);
    expect(fresh).not.toBe(token);
    expect(sandbox.state.token(fresh)?.kind).toBe("user_long");
  });

  it("leaves a user token with time to spare alone, without calling Meta", async () => {
    const { cred } = userCredential(40 * DAY);
    const calls = sandbox.state.requests.length;
    expect(await refreshCredential(ctx, cred)).toEqual([]);
    expect(sandbox.state.requests.length).toBe(calls);
  });

  it("asks for re-authentication when Meta says the token is dead (190)", async () => {
    const { cred, token } = userCredential(2 * DAY);
    sandbox.state.invalidateToken(token);
    const [event] = await refreshCredential(ctx, cred);
    expect(event).toMatchObject({ kind: "reauth_needed", errorCode: 190 });
  });

  it("records a passing failure (rate limit, 5xx) to be tried again next pass", async () => {
    const { cred } = userCredential(2 * DAY);
    sandbox.state.failNext({ path: /oauth\/access_token/ }, metaErrors.userRateLimit);
    const [event] = await refreshCredential(ctx, cred);
    expect(event).toMatchObject({ kind: "token_refresh_failed", reason: expect.any(String) });
    expect(JSON.stringify(event)).not.toContain(cipher.decrypt(cred.accessTokenEnc));
  });

  it("validates a page token and subscribes the page again when Meta dropped it", async () => {
    const user = sandbox.state.issueToken("user_long", { ownerId: SANDBOX_USER_ID, scopes: [] });
    const page = sandbox.state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user);
    const cred: Credential = {
      subjectType: "page",
      subjectId: SANDBOX_SHOP_PAGE_ID,
      accessTokenEnc: cipher.encrypt(page.token),
      tokenExpiresAt: null,
      tokenRefreshedAt: null,
      tokenIssuedAt: null,
      status: "valid",
      subscribed: true,
    };
    const events = await refreshCredential(ctx, cred);
    expect(events.map((e) => e.kind)).toEqual(["token_validated", "page_subscription"]);
    expect(events[1]).toMatchObject({ subscribed: true, resubscribed: true });
    expect(sandbox.state.subscribedFields(SANDBOX_SHOP_PAGE_ID)).toContain("messages");

    // Subscribed now: the next pass only validates.
    expect((await refreshCredential({ ...ctx, runKey: "refresh-2" }, cred)).map((e) => e.kind)).toEqual([
      "token_validated",
    ]);
  });
});
