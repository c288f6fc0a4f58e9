import { describe, expect, it } from "vitest";
import { defaultSeed, SANDBOX_BLOG_PAGE_ID, SANDBOX_SHOP_PAGE_ID, SANDBOX_USER_ID } from "./seed.js";
import { SANDBOX_DEFAULTS } from "./server.js";
import { SandboxState } from "./state.js";

const DAY_MS = 24 * 3600 * 1000;

function newState(): SandboxState {
  return new SandboxState(SANDBOX_DEFAULTS);
}

describe("SandboxState", () => {
  it("starts from the default seed", () => {
    const state = newState();
    expect(state.users).toEqual([
      { id: SANDBOX_USER_ID, name: "Sandbox User", pageIds: [SANDBOX_SHOP_PAGE_ID, SANDBOX_BLOG_PAGE_ID] },
    ]);
    expect(state.pages.map((p) => [p.name, p.instagram_business_account?.username])).toEqual([
      ["Sandbox Shop", "sandbox.shop"],
      ["Sandbox Blog", undefined],
    ]);
    expect(state.igAccounts).toEqual([
      expect.objectContaining({ user_id: "17841400000000002", username: "sandbox.creator" }),
    ]);
  });

  it("issues tokens with Meta's lifetimes", () => {
    const state = newState();
    const now = Date.now();
    const lifetime = (kind: Parameters<SandboxState["issueToken"]>[0]) => {
      const t = state.issueToken(kind, { ownerId: "x", scopes: [] });
      return t.expiresAt === null ? null : Math.round((t.expiresAt.getTime() - now) / 1000);
    };
    expect(lifetime("user_short")).toBeCloseTo(3600, -1);
    expect(lifetime("user_long")).toBeCloseTo(5183944, -1);
    expect(lifetime("page")).toBeNull();
    expect(lifetime("ig_short")).toBeCloseTo(3600, -1);
    expect(lifetime("ig_long")).toBeCloseTo(5184000, -1);
    expect(state.tokensOf("x")).toHaveLength(5);
  });

  it("moves issuedAt keeping the lifetime, and sets expiresAt alone", () => {
    const state = newState();
    const t = state.issueToken("ig_long", { ownerId: "x", scopes: [] });
    const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS);
    state.setTokenIssuedAt(t.token, twoDaysAgo);
    expect(t.issuedAt).toEqual(twoDaysAgo);
    expect(t.expiresAt!.getTime()).toBe(twoDaysAgo.getTime() + 5184000 * 1000);
    const at = new Date(Date.now() + DAY_MS);
    state.setTokenExpiresAt(t.token, at);
    expect(t.expiresAt).toEqual(at);
    expect(t.issuedAt).toEqual(twoDaysAgo);
    expect(() => state.expireToken("never-issued")).toThrow(/never issued/);
  });

  it("keeps one Page token per Page and user until it dies", () => {
    const state = newState();
    const user = state.issueToken("user_long", { ownerId: SANDBOX_USER_ID, scopes: ["pages_show_list"] });
    const first = state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user);
    expect(state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user)).toBe(first);
    expect(first).toMatchObject({
      kind: "page",
      ownerId: SANDBOX_SHOP_PAGE_ID,
      userId: SANDBOX_USER_ID,
      expiresAt: null,
    });
    state.invalidateToken(first.token);
    expect(state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user).token).not.toBe(first.token);
  });

  it("reseeds and resets, forgetting everything issued", () => {
    const state = newState();
    state.issueToken("user_long", { ownerId: SANDBOX_USER_ID, scopes: [] });
    state.subscribe(SANDBOX_SHOP_PAGE_ID, ["messages"]);
    state.failNext({ path: /./ }, { status: 500, code: 1 });
    state.seed({ users: [{ id: "1", name: "Solo", pages: [] }], igAccounts: [] });
    expect(state.users.map((u) => u.name)).toEqual(["Solo"]);
    expect(state.pages).toEqual([]);
    expect(state.tokens).toEqual([]);
    expect(state.subscribedFields(SANDBOX_SHOP_PAGE_ID)).toBeUndefined();
    expect(state.pendingFaults).toEqual([]);
    state.reset();
    expect(state.users[0]!.id).toBe(defaultSeed().users[0]!.id);
    expect(() => state.loginAs("nobody")).toThrow();
  });

  it("counts subscription calls per id", () => {
    const state = newState();
    state.recordSubscriptionCall("p1", ["messages"]);
    state.recordSubscriptionCall("p1", ["messages", "message_reactions"]);
    state.recordSubscriptionCall("p2", ["messages"]);
    expect(state.subscriptionCalls).toBe(3);
    expect(state.subscriptionCallsFor("p1")).toBe(2);
    expect(state.subscribedFields("p1")).toEqual(["messages", "message_reactions"]);
    state.unsubscribe("p1");
    expect(state.subscribedFields("p1")).toBeUndefined();
  });

  it("rejects a fault with a non-positive times", () => {
    expect(() => newState().failNext({ path: /x/ }, { status: 500, code: 1, times: 0 })).toThrow(/times/);
  });
});
