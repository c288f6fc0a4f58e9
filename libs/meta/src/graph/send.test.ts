import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGraph, fakeGraphConfig, metaErrorBody, startFakeGraph } from "../testing/fake-graph-server.js";
import { GraphClient } from "./client.js";
import { GraphApiError, GraphTextTooLongError } from "./errors.js";

const PAGE_TOKEN = "EAAGpageToken0000000002";
const IG_TOKEN = "IGAAlongLivedToken00001";

let fake: FakeGraph;
let client: GraphClient;

beforeEach(async () => {
  fake = await startFakeGraph();
  client = new GraphClient(fakeGraphConfig(fake));
});
afterEach(() => fake.close());

describe("sendText", () => {
  it("Facebook Login: POSTs /{pageId}/messages with access_token and a RESPONSE text message", async () => {
    fake.on("POST", "/v23.0/101/messages", { body: { recipient_id: "9000000000000001", message_id: "aWdfZAG1pZAD" } });
    const r = await client.sendText({
      pageId: "101",
      token: PAGE_TOKEN,
      recipientId: "9000000000000001",
      text: "Hi! 👋",
      loginType: "facebook",
    });
    expect(r).toEqual({ recipientId: "9000000000000001", messageId: "aWdfZAG1pZAD" });
    const [req] = fake.requests;
    expect(req!.method).toBe("POST");
    expect(req!.query.get("access_token")).toBe(PAGE_TOKEN);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers["content-type"]).toContain("application/json");
    expect(req!.json).toEqual({
      recipient: { id: "9000000000000001" },
      message: { text: "Hi! 👋" },
      messaging_type: "RESPONSE",
    });
  });

  it("Instagram Login: POSTs /{igId}/messages on the Instagram host with a Bearer token", async () => {
    const ig = await startFakeGraph({
      "POST /v23.0/17841400000000001/messages": { body: { recipient_id: "9000000000000001", message_id: "mid.1" } },
    });
    try {
      const c = new GraphClient({ ...fakeGraphConfig(fake), igGraphBaseUrl: ig.url });
      const r = await c.sendText({
        pageId: "17841400000000001",
        token: IG_TOKEN,
        recipientId: "9000000000000001",
        text: "hello",
        loginType: "instagram",
      });
      expect(r).toEqual({ recipientId: "9000000000000001", messageId: "mid.1" });
      expect(fake.requests).toHaveLength(0);
      const [req] = ig.requests;
      expect(req!.headers.authorization).toBe(`Bearer ${IG_TOKEN}`);
      expect(req!.query.has("access_token")).toBe(false);
      expect(req!.json).toEqual({
        recipient: { id: "9000000000000001" },
        message: { text: "hello" },
        messaging_type: "RESPONSE",
      });
    } finally {
      await ig.close();
    }
  });

  it("never sends a tag, whatever extra properties a caller smuggles in", async () => {
    fake.on("POST", "/v23.0/101/messages", { body: { recipient_id: "1", message_id: "m" } });
    const input = { pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "x", loginType: "facebook" as const };
    await client.sendText({ ...input, ...{ tag: "HUMAN_AGENT", messaging_type: "MESSAGE_TAG" } });
    const body = fake.requests[0]!.body;
    expect(body).not.toContain("tag");
    expect(body).not.toContain("HUMAN_AGENT");
    expect(fake.requests[0]!.query.has("tag")).toBe(false);
  });

  it.each([
    ["1000 ASCII bytes", "a".repeat(1000), true],
    ["1001 ASCII bytes", "a".repeat(1001), false],
    ["500 two-byte characters (1000 bytes)", "ä".repeat(500), true],
    ["334 three-byte characters (1002 bytes)", "€".repeat(334), false],
    ["251 emoji (1004 bytes, 502 UTF-16 units)", "😀".repeat(251), false],
  ])("%s: allowed=%s", async (_name, text, allowed) => {
    fake.on("POST", "/v23.0/101/messages", { body: { recipient_id: "1", message_id: "m" } });
    const send = client.sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text, loginType: "facebook" });
    if (allowed) {
      await expect(send).resolves.toEqual({ recipientId: "1", messageId: "m" });
      expect(fake.requests).toHaveLength(1);
    } else {
      const err = await send.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GraphTextTooLongError);
      expect(err).toMatchObject({
        code: "IGDM_ERR_GRAPH_TEXT_TOO_LONG",
        action: "stop",
        bytes: Buffer.byteLength(text),
        limit: 1000,
      });
      expect(fake.requests).toHaveLength(0);
    }
  });

  it("outside the 24 h window: a stop error with Meta's code, subcode and fbtrace_id", async () => {
    fake.on("POST", "/v23.0/101/messages", {
      status: 400,
      body: metaErrorBody(10, "(#10) This message is sent outside of allowed window.", {
        subcode: 2018278,
        fbtraceId: "Aw1ndowTrace",
      }),
    });
    const err = (await client
      .sendText({ pageId: "101", token: PAGE_TOKEN, recipientId: "1", text: "late", loginType: "facebook" })
      .catch((e: unknown) => e)) as GraphApiError;
    expect(err).toBeInstanceOf(GraphApiError);
    expect(err).toMatchObject({
      action: "stop",
      code: "IGDM_ERR_GRAPH_STOP",
      status: 400,
      graphCode: 10,
      subcode: 2018278,
      type: "OAuthException",
      fbtraceId: "Aw1ndowTrace",
      method: "POST",
      path: "/v23.0/101/messages",
    });
    expect(err.message).toContain("outside of allowed window");
    expect(err.message).toContain("Aw1ndowTrace");
  });
});
