import { WebhookEvent } from "@igdm/contracts";
import { fixtureDelivery, IG_ACCOUNT_ID, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";

/** Comments and mentions arrive with entry.time in seconds. */
const TIME_S = 1_732_780_800;
const TIME_ISO = "2024-11-28T08:00:00.000Z";

function events(changes: unknown[], entry: Record<string, unknown> = {}): WebhookEvent[] {
  const body = { object: "instagram", entry: [{ id: IG_ACCOUNT_ID, time: TIME_S, changes, ...entry }] };
  const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
  if (!result.ok) throw new Error(result.reason);
  return result.events.map((e) => WebhookEvent.parse(e));
}
const one = (change: unknown, entry?: Record<string, unknown>) => {
  const all = events([change], entry);
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe("comments", () => {
  it("maps id, text, from, media and the entry time in seconds", () => {
    const value = {
      from: { id: "1790000000000001", username: "jane.doe", self_ig_scoped_id: "x" },
      media: { id: "18012345678901234", media_product_type: "REELS" },
      id: "17865799348089039",
      text: "Price?",
    };
    expect(one({ field: "comments", value })).toEqual({
      v: 1,
      kind: "comment",
      id: "comments:17865799348089039",
      object: "instagram",
      accountId: IG_ACCOUNT_ID,
      occurredAt: TIME_ISO,
      receivedAt: fixtureDelivery.receivedAt,
      source: { ...sourceAt(0), channel: "changes" },
      field: "comments",
      commentId: "17865799348089039",
      text: "Price?",
      fromId: "1790000000000001",
      fromUsername: "jane.doe",
      mediaId: "18012345678901234",
      mediaProductType: "REELS",
    });
  });

  it("maps live comments and replies (parent_id); numeric ids become strings", () => {
    expect(
      one({ field: "live_comments", value: { id: 1786, text: "wow", parent_id: 1785, media: { id: 1801 } } }),
    ).toMatchObject({
      kind: "comment",
      id: "live_comments:1786",
      field: "live_comments",
      commentId: "1786",
      parentId: "1785",
      mediaId: "1801",
    });
  });

  it("a comment without an id is unrecognised", () => {
    expect(one({ field: "comments", value: { text: "no id" } })).toMatchObject({
      kind: "unrecognised",
      reason: "comments change value has no id",
    });
  });
});

describe("mentions", () => {
  it("maps media_id and comment_id; the id uses the entry time normalised to ms", () => {
    const event = one({ field: "mentions", value: { media_id: "1802", comment_id: "1788" } });
    expect(event).toMatchObject({ kind: "mention", mediaId: "1802", commentId: "1788", occurredAt: TIME_ISO });
    expect(event.id).toBe(`mention:1802:1788:${TIME_S * 1000}`);
    // The same mention with entry.time in ms is the same event.
    expect(
      one({ field: "mentions", value: { media_id: "1802", comment_id: "1788" } }, { time: TIME_S * 1000 }).id,
    ).toBe(event.id);
  });

  it("a caption mention has no comment_id", () => {
    const event = one({ field: "mentions", value: { media_id: "1802" } });
    expect(event).toMatchObject({ kind: "mention", id: `mention:1802::${TIME_S * 1000}`, mediaId: "1802" });
    expect(event).not.toHaveProperty("commentId");
  });
});

describe("the dashboard's Test event", () => {
  // Meta's sample as the dashboard sends it: entry id "0", timestamp a string of seconds.
  const sample = {
    field: "messages",
    value: {
      sender: { id: "12334" },
      recipient: { id: "23245" },
      timestamp: "1527459824",
      message: { mid: "random_mid", text: "random_text" },
    },
  };

  it("is a message event with isTest, on account 0, timed by its own timestamp", () => {
    expect(one(sample, { id: "0", time: 1527459824 })).toMatchObject({
      kind: "message",
      id: "message:random_mid",
      accountId: "0",
      isTest: true,
      senderId: "12334",
      recipientId: "23245",
      text: "random_text",
      direction: "inbound",
      occurredAt: "2018-05-27T22:23:44.000Z",
      source: { channel: "changes", itemIndex: 0 },
    });
  });

  it("is a test even under a real account id, and any event under entry id 0 is a test", () => {
    expect(one(sample)).toMatchObject({ kind: "message", isTest: true, accountId: IG_ACCOUNT_ID });
    const body = {
      object: "instagram",
      entry: [{ id: "0", time: 1, messaging: [{ ...sample.value, timestamp: 1527459824000 }] }],
    };
    const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
    expect(result.ok && result.events[0]).toMatchObject({
      kind: "message",
      isTest: true,
      source: { channel: "messaging" },
    });
  });

  it("a messages change whose value is not a messaging item is unrecognised, saying why", () => {
    expect(one({ field: "messages", value: { message: { mid: "m" } } })).toMatchObject({
      kind: "unrecognised",
      reason: "messages change value: messaging item has no sender.id",
    });
  });
});

describe("unknown and malformed changes", () => {
  it.each([
    [
      "unknown field",
      { field: "story_insights", value: { media_id: "1" } },
      'change with unknown field "story_insights"',
    ],
    ["no field", { value: { id: "1" } }, "change item has no field (keys: value)"],
    ["not an object", 42, "change item is not an object"],
    ["value not an object", { field: "comments", value: "text" }, "comments change has no value object"],
    ["no value", { field: "mentions" }, "mentions change has no value object"],
  ])("%s", (_name, change, reason) => {
    expect(one(change)).toMatchObject({
      kind: "unrecognised",
      id: `unrecognised:${fixtureDelivery.webhookId}:0:changes:0`,
      reason,
      raw: change,
      occurredAt: TIME_ISO,
    });
  });

  it("maps each change of a list on its own position", () => {
    const all = events([
      { field: "comments", value: { id: "1" } },
      { field: "nope", value: {} },
      { field: "mentions", value: { media_id: "2" } },
    ]);
    expect(all.map((e) => [e.kind, e.source.itemIndex])).toEqual([
      ["comment", 0],
      ["unrecognised", 1],
      ["mention", 2],
    ]);
  });
});

function sourceAt(itemIndex: number) {
  return { webhookId: fixtureDelivery.webhookId, streamSeq: fixtureDelivery.streamSeq, entryIndex: 0, itemIndex };
}
