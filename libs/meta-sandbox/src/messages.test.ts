import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SANDBOX_BLOG_PAGE_ID, SANDBOX_CREATOR_IG_USER_ID, SANDBOX_SHOP_IG_ID, SANDBOX_SHOP_PAGE_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

let sandbox: MetaSandbox;
let userToken: string;
let pageToken: string;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.state.reset();
  const user = sandbox.state.issueToken("user_long", { ownerId: sandbox.state.users[0]!.id, scopes: [] });
  userToken = user.token;
  pageToken = sandbox.state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user).token;
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const pageSend = (body: unknown, id = SANDBOX_SHOP_PAGE_ID, token = pageToken) =>
  post(`${sandbox.urls.graph}/v21.0/${id}/messages?access_token=${token}`, body);

describe("Send API (Facebook Login, Page token)", () => {
  it("answers recipient_id and a unique message_id, and records the message", async () => {
    const first = await pageSend({
      recipient: { id: "igsid-1" },
      message: { text: "hello" },
      messaging_type: "RESPONSE",
    });
    const second = await pageSend({ recipient: { id: "igsid-1" }, message: { text: "again" } });
    expect(first).toEqual({ status: 200, body: { recipient_id: "igsid-1", message_id: expect.any(String) } });
    expect(second.body.message_id).not.toBe(first.body.message_id);
    expect(sandbox.state.sentMessages).toEqual([
      expect.objectContaining({
        api: "facebook",
        accepted: true,
        message_id: first.body.message_id,
        token: pageToken,
        page: SANDBOX_SHOP_PAGE_ID,
        igAccount: SANDBOX_SHOP_IG_ID,
        recipient: "igsid-1",
        text: "hello",
        messaging_type: "RESPONSE",
        tag: undefined,
      }),
      expect.objectContaining({ text: "again", messaging_type: undefined }),
    ]);
  });

  it("takes /me/messages and the Page's Instagram account id as the sender", async () => {
    expect((await pageSend({ recipient: { id: "a" }, message: { text: "x" } }, "me")).status).toBe(200);
    expect((await pageSend({ recipient: { id: "b" }, message: { text: "y" } }, SANDBOX_SHOP_IG_ID)).status).toBe(200);
    expect(sandbox.state.sentMessages.map((m) => m.page)).toEqual([SANDBOX_SHOP_PAGE_ID, SANDBOX_SHOP_PAGE_ID]);
  });

  it("accepts 1000 bytes of text and refuses 1001 (counted in UTF-8 bytes, not characters)", async () => {
    expect((await pageSend({ recipient: { id: "r" }, message: { text: "a".repeat(1000) } })).status).toBe(200);
    const euros = "€".repeat(334); // 334 characters, 1002 bytes
    const res = await pageSend({ recipient: { id: "r" }, message: { text: euros } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 100,
      type: "OAuthException",
      message: expect.stringContaining("1000"),
    });
    expect(sandbox.state.sentMessages).toHaveLength(1);
  });

  it("refuses any tag and records the attempt so tests can assert it never happens", async () => {
    const res = await pageSend({
      recipient: { id: "r" },
      message: { text: "agent here" },
      messaging_type: "MESSAGE_TAG",
      tag: "HUMAN_AGENT",
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100 });
    expect(sandbox.state.sentMessages).toEqual([
      expect.objectContaining({ accepted: false, message_id: null, tag: "HUMAN_AGENT", text: "agent here" }),
    ]);
  });

  it("refuses bad bodies with code 100", async () => {
    expect((await pageSend({ message: { text: "x" } })).body.error).toMatchObject({ code: 100 });
    expect((await pageSend({ recipient: { id: "r" } })).body.error).toMatchObject({ code: 100 });
    expect((await pageSend({ recipient: { id: "r" }, message: {} })).body.error).toMatchObject({ code: 100 });
    const badType = await pageSend({ recipient: { id: "r" }, message: { text: "x" }, messaging_type: "SPAM" });
    expect(badType.body.error).toMatchObject({ code: 100 });
    expect(sandbox.state.sentMessages).toHaveLength(0);
  });

  it("needs the Page token of that Page", async () => {
    const body = { recipient: { id: "r" }, message: { text: "x" } };
    expect((await pageSend(body, SANDBOX_SHOP_PAGE_ID, userToken)).body.error).toMatchObject({ code: 210 });
    expect((await pageSend(body, SANDBOX_BLOG_PAGE_ID)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it("takes a form-encoded body with JSON-encoded recipient and message, like Meta", async () => {
    const res = await fetch(`${sandbox.urls.graph}/v21.0/me/messages`, {
      method: "POST",
      body: new URLSearchParams({
        recipient: JSON.stringify({ id: "form-user" }),
        message: JSON.stringify({ text: "from a form" }),
        access_token: pageToken,
      }),
    });
    expect(res.status).toBe(200);
    expect(sandbox.state.sentMessages[0]).toMatchObject({ recipient: "form-user", text: "from a form" });
  });

  it("answers sender actions without recording a message", async () => {
    const res = await pageSend({ recipient: { id: "r" }, sender_action: "typing_on" });
    expect(res.body).toEqual({ recipient_id: "r" });
    expect(sandbox.state.sentMessages).toHaveLength(0);
  });
});

describe("Send API (Instagram Login, Bearer token)", () => {
  it("sends with Authorization: Bearer and records it", async () => {
    const token = sandbox.state.issueToken("ig_long", { ownerId: SANDBOX_CREATOR_IG_USER_ID, scopes: [] }).token;
    const res = await post(
      `${sandbox.urls.igGraph}/v21.0/${SANDBOX_CREATOR_IG_USER_ID}/messages`,
      { recipient: { id: "igsid-9" }, message: { text: "hi from IG" } },
      { authorization: `Bearer ${token}` },
    );
    expect(res).toEqual({ status: 200, body: { recipient_id: "igsid-9", message_id: expect.stringMatching(/^aWdf/) } });
    expect(sandbox.state.sentMessages[0]).toMatchObject({
      api: "instagram",
      page: null,
      igAccount: SANDBOX_CREATOR_IG_USER_ID,
      token,
      text: "hi from IG",
    });
    const tooLong = await post(
      `${sandbox.urls.igGraph}/v21.0/me/messages`,
      { recipient: { id: "igsid-9" }, message: { text: "x".repeat(1001) } },
      { authorization: `Bearer ${token}` },
    );
    expect(tooLong.body.error).toMatchObject({ code: 100 });
    const noToken = await post(`${sandbox.urls.igGraph}/v21.0/me/messages`, { recipient: { id: "r" } });
    expect(noToken.body.error).toMatchObject({ code: 104 });
  });
});
