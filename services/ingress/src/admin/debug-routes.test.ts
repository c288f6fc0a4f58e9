import {
  DebugDeadLettersReply,
  DebugDeadLettersRequest,
  DebugMessagesReply,
  DebugMessagesRequest,
  DebugPagesReply,
  DebugPagesRequest,
  DebugTokensReply,
  DebugTokensRequest,
} from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ADMIN_TOKEN } from "../testing/ingress-harness.js";
import { useIngressWithStandIns } from "../testing/use-stand-ins.js";

// The persister's side is played by real NATS responders on the test's namespace.
// A short relay timeout, so the never-answering persister's tests do not wait 5 seconds.
const t = useIngressWithStandIns({ admin: true, env: { RPC_TIMEOUT_MS: "300" } });
const { seen } = t;

const subjectOf = (operation: string) => t.subject("persister", operation);

const persister = <Req extends z.ZodType, Rep extends z.ZodType>(
  operation: string,
  request: Req,
  reply: Rep,
  answer: z.input<Rep>,
) => t.stand(subjectOf(operation), request, reply, answer);

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const get = (url: string, headers: Record<string, string> = auth) => t.admin.inject({ method: "GET", url, headers });

const message = {
  messageId: "mid.1",
  direction: "inbound" as const,
  igId: "17841400000000001",
  pageId: "1789",
  senderId: "9000000000000001",
  recipientId: "17841400000000001",
  text: "hello",
  attachments: [{ type: "image", payload: { url: "https://cdn.example/x.jpg" } }],
  isEcho: false,
  isDeleted: false,
  editCount: 1,
  sentAt: "2025-05-01T10:00:00.000Z",
  updatedAt: "2025-05-01T10:00:01.000Z",
};

describe("GET /debug/messages", () => {
  it("relays limit and ig_id and answers the persister's messages in snake_case", async () => {
    await persister("debug-messages", DebugMessagesRequest, DebugMessagesReply, { ok: true, messages: [message] });
    const res = await get("/debug/messages?limit=5&ig_id=17841400000000001");
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual([{ v: 1, limit: 5, igId: "17841400000000001" }]);
    expect(res.json()).toEqual({
      messages: [
        {
          message_id: "mid.1",
          direction: "inbound",
          ig_id: "17841400000000001",
          page_id: "1789",
          sender_id: "9000000000000001",
          recipient_id: "17841400000000001",
          text: "hello",
          attachments: [{ type: "image", payload: { url: "https://cdn.example/x.jpg" } }],
          is_echo: false,
          is_deleted: false,
          edit_count: 1,
          sent_at: "2025-05-01T10:00:00.000Z",
          updated_at: "2025-05-01T10:00:01.000Z",
        },
      ],
    });
  });

  it("asks for 20 by default and for every account without ig_id", async () => {
    await persister("debug-messages", DebugMessagesRequest, DebugMessagesReply, { ok: true, messages: [] });
    const res = await get("/debug/messages");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ messages: [] });
    expect(seen).toEqual([{ v: 1, limit: 20 }]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=1.5", "limit"],
    ["limit=ten", "limit"],
    ["limit=", "limit"],
    ["limit=5&limit=6", "limit"],
    ["ig_id=17841%2F4", "ig_id"],
    ["ig_id=", "ig_id"],
    ["igid=1784", "igid"],
  ])("answers 400 naming the parameter for ?%s, relaying nothing", async (query, named) => {
    await persister("debug-messages", DebugMessagesRequest, DebugMessagesReply, { ok: true, messages: [] });
    const res = await get(`/debug/messages?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("IGDM_ERR_BAD_REQUEST");
    expect(res.json().error.message).toContain(named);
    expect(seen).toEqual([]);
  });
});

describe("GET /debug/pages", () => {
  it("answers pages with their Instagram accounts, and Instagram Login accounts", async () => {
    const igLogin = {
      id: "17841400000000009",
      username: "solo",
      loginType: "instagram" as const,
      pageId: null,
      tokenStatus: "expiring" as const,
      tokenExpiresAt: "2025-06-01T00:00:00.000Z",
    };
    await persister("debug-pages", DebugPagesRequest, DebugPagesReply, {
      ok: true,
      pages: [
        {
          id: "1789",
          name: "Shop",
          userId: "555",
          subscribed: true,
          subscribedFields: ["messages"],
          lastSubscribedAt: "2025-05-01T10:00:00.000Z",
          tokenStatus: "valid",
          hasToken: true,
          instagramAccounts: [
            {
              ...igLogin,
              id: "17841400000000001",
              loginType: "facebook",
              pageId: "1789",
              tokenStatus: null,
              tokenExpiresAt: null,
            },
          ],
        },
      ],
      instagramAccounts: [igLogin],
    });
    const res = await get("/debug/pages");
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual([{ v: 1 }]);
    expect(res.json()).toEqual({
      pages: [
        {
          id: "1789",
          name: "Shop",
          user_id: "555",
          subscribed: true,
          subscribed_fields: ["messages"],
          last_subscribed_at: "2025-05-01T10:00:00.000Z",
          token_status: "valid",
          has_token: true,
          instagram_accounts: [
            {
              id: "17841400000000001",
              username: "solo",
              login_type: "facebook",
              page_id: "1789",
              token_status: null,
              token_expires_at: null,
            },
          ],
        },
      ],
      instagram_accounts: [
        {
          id: "17841400000000009",
          username: "solo",
          login_type: "instagram",
          page_id: null,
          token_status: "expiring",
          token_expires_at: "2025-06-01T00:00:00.000Z",
        },
      ],
    });
  });

  it("refuses query parameters it does not take", async () => {
    const res = await get("/debug/pages?limit=5");
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain("limit");
  });
});

describe("GET /debug/tokens", () => {
  it("answers one line per token with its fingerprint, never a token", async () => {
    await persister("debug-tokens", DebugTokensRequest, DebugTokensReply, {
      ok: true,
      tokens: [
        {
          subjectType: "page",
          subjectId: "1789",
          status: "valid",
          hasToken: true,
          expiresAt: null,
          refreshedAt: "2025-05-01T10:00:00.000Z",
          lastValidatedAt: "2025-05-02T10:00:00.000Z",
          fingerprint: "0123456789ab",
        },
      ],
    });
    const res = await get("/debug/tokens");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tokens: [
        {
          subject_type: "page",
          subject_id: "1789",
          status: "valid",
          has_token: true,
          expires_at: null,
          refreshed_at: "2025-05-01T10:00:00.000Z",
          last_validated_at: "2025-05-02T10:00:00.000Z",
          fingerprint: "0123456789ab",
        },
      ],
    });
  });
});

describe("GET /debug/dlq", () => {
  const deadLetter = {
    dlqSeq: 7,
    service: "normalizer",
    stream: "WEBHOOKS",
    consumer: "normalizer",
    subject: "igdm.webhooks.raw",
    streamSeq: 41,
    deliveryCount: 1,
    reason: "body is not JSON",
    failedAt: "2025-05-01T10:00:00.000Z",
    payloadBytes: 9,
    payloadPreview: "not json!",
  };

  it("relays limit and service and answers the dead letters in snake_case", async () => {
    await persister("debug-dlq", DebugDeadLettersRequest, DebugDeadLettersReply, {
      ok: true,
      deadLetters: [deadLetter],
    });
    const res = await get("/debug/dlq?limit=3&service=normalizer");
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual([{ v: 1, limit: 3, service: "normalizer" }]);
    expect(res.json()).toEqual({
      dead_letters: [
        {
          dlq_seq: 7,
          service: "normalizer",
          stream: "WEBHOOKS",
          consumer: "normalizer",
          subject: "igdm.webhooks.raw",
          stream_seq: 41,
          delivery_count: 1,
          reason: "body is not JSON",
          failed_at: "2025-05-01T10:00:00.000Z",
          payload_bytes: 9,
          payload_preview: "not json!",
        },
      ],
    });
  });

  it.each([
    ["service=Normalizer", "service"],
    ["service=a.b", "service"],
    ["limit=500", "limit"],
    ["consumer=x", "consumer"],
  ])("answers 400 for ?%s", async (query, named) => {
    const res = await get(`/debug/dlq?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(named);
  });
});

describe("every debug view", () => {
  const views = [
    ["/debug/messages", "debug-messages"],
    ["/debug/pages", "debug-pages"],
    ["/debug/tokens", "debug-tokens"],
    ["/debug/dlq", "debug-dlq"],
  ] as const;

  it.each(views)("%s answers 401 without the admin token and relays nothing", async (path, operation) => {
    await t.silent(subjectOf(operation));
    for (const headers of [{}, { authorization: "Bearer wrong-token-wrong-token-wrong" }] as Record<string, string>[]) {
      const res = await get(path, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe("IGDM_ERR_ADMIN_AUTH");
    }
    await t.nc.flush();
    expect(seen).toEqual([]);
  });

  it.each(views)("%s answers 503 when no persister is subscribed", async (path) => {
    const res = await get(path);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: "IGDM_ERR_UNAVAILABLE", message: expect.any(String) } });
  });

  it.each(views)("%s answers 504 when the persister is subscribed but never answers", async (path, operation) => {
    await t.silent(subjectOf(operation));
    const res = await get(path);
    expect(res.statusCode).toBe(504);
    expect(res.json()).toEqual({
      error: { code: "IGDM_ERR_UPSTREAM_TIMEOUT", message: "the persister did not answer in time" },
    });
    expect(seen).toHaveLength(1);
  });

  it("passes the persister's own refusal through with its status", async () => {
    await persister("debug-tokens", DebugTokensRequest, DebugTokensReply, {
      ok: false,
      code: "IGDM_ERR_INTERNAL",
      message: "internal error",
    });
    const res = await get("/debug/tokens");
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe("IGDM_ERR_INTERNAL");
  });
});
