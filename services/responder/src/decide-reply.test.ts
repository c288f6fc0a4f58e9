import { MessageReceived, type ReplyRule } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { decideReply } from "./decide-reply.js";

const now = new Date("2026-11-28T12:00:00Z");
const ACCOUNT = "17841400000000001";

function message(patch: Partial<MessageReceived> = {}): MessageReceived {
  return MessageReceived.parse({
    v: 1,
    id: "message:m1",
    kind: "message",
    object: "instagram",
    accountId: ACCOUNT,
    occurredAt: new Date(now.getTime() - 60_000).toISOString(),
    receivedAt: now.toISOString(),
    source: { webhookId: "a".repeat(64), streamSeq: 1, entryIndex: 0, channel: "messaging", itemIndex: 0 },
    senderId: "9001",
    recipientId: ACCOUNT,
    mid: "m1",
    direction: "inbound",
    isEcho: false,
    text: "Hello, what is the PRICE please?",
    attachments: [],
    isUnsupported: false,
    isTest: false,
    ...patch,
  });
}

const rules: ReplyRule[] = [
  { id: "r-price", kind: "keyword", match: "contains", keyword: "price", reply: "It is 20 EUR.", priority: 10 },
  { id: "r-hi", kind: "keyword", match: "exact", keyword: "hi", reply: "Hi there!", priority: 20 },
];

describe("decideReply", () => {
  it("answers with the default text when no rule matches", () => {
    expect(decideReply(message({ text: "good morning" }), rules, "Thanks for your message!", now)).toEqual({
      reply: true,
      text: "Thanks for your message!",
      keyword: false,
    });
  });

  it("lets a keyword rule win, case-insensitively, exact or contains", () => {
    expect(decideReply(message(), rules, "x", now)).toMatchObject({
      reply: true,
      text: "It is 20 EUR.",
      keyword: true,
      ruleId: "r-price",
    });
    expect(decideReply(message({ text: "  HI " }), rules, "x", now)).toMatchObject({ ruleId: "r-hi" });
    expect(decideReply(message({ text: "hi you" }), rules, "x", now)).toMatchObject({ keyword: false });
  });

  it("uses the account's own default rule over the built-in text", () => {
    const own: ReplyRule = { id: "r-default", kind: "default", reply: "We answer within a day.", priority: 100 };
    expect(decideReply(message({ text: "yo" }), [...rules, own], "x", now)).toMatchObject({
      text: "We answer within a day.",
      ruleId: "r-default",
    });
  });

  it("answers an attachment-only message with the default", () => {
    expect(decideReply(message({ text: undefined }), rules, "Thanks!", now)).toMatchObject({
      reply: true,
      text: "Thanks!",
    });
  });

  it.each([
    ["an echo", { isEcho: true, direction: "outbound" as const }],
    ["our own account's message", { senderId: ACCOUNT }],
    ["the dashboard's test event", { isTest: true }],
    ["a message older than 24 hours", { occurredAt: new Date(now.getTime() - 25 * 3_600_000).toISOString() }],
  ])("never answers %s", (_, patch) => {
    expect(decideReply(message(patch), rules, "x", now).reply).toBe(false);
  });
});
