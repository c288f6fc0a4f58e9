import { WebhookEvent } from "@igdm/contracts";
import { fixtureDelivery, fixtureMid, IG_ACCOUNT_ID, IG_USER_ID, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";

const TS = 1_732_780_800_000;
const MID = fixtureMid("focused");

/** Normalizes one messaging item (in messaging[] of one entry) and returns its single event. */
function one(item: unknown): WebhookEvent {
  const body = { object: "instagram", entry: [{ id: IG_ACCOUNT_ID, time: TS, messaging: [item] }] };
  const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
  if (!result.ok) throw new Error(result.reason);
  expect(result.events).toHaveLength(1);
  return WebhookEvent.parse(result.events[0]);
}

const inbound = (event: object) => ({
  sender: { id: IG_USER_ID },
  recipient: { id: IG_ACCOUNT_ID },
  timestamp: TS,
  ...event,
});

function expectUnrecognised(event: WebhookEvent, reason: RegExp, raw: unknown) {
  expect(event).toMatchObject({ kind: "unrecognised", id: `unrecognised:${fixtureDelivery.webhookId}:0:messaging:0` });
  if (event.kind !== "unrecognised") return;
  expect(event.reason).toMatch(reason);
  expect(event.raw).toEqual(raw);
}

describe("message", () => {
  it("keeps every attachment with its whole payload, including fields the contract does not name", () => {
    const attachments = [
      { type: "image", payload: { url: "https://cdn/i.jpg", sticker_id: 369239263222822 } },
      { type: "ig_reel", payload: { url: "https://cdn/r.mp4", title: "Drop", reel_video_id: 18034567890123456 } },
      { type: "ephemeral" },
      { type: "ig_post", payload: { ig_post_media_id: "1804", title: "Post", url: "https://cdn/p.jpg" } },
      { type: "brand_new_type", payload: null },
    ];
    const event = one(inbound({ message: { mid: MID, attachments } }));
    expect(event.kind === "message" && event.attachments).toEqual([
      { type: "image", url: "https://cdn/i.jpg", payload: attachments[0]!.payload },
      {
        type: "ig_reel",
        url: "https://cdn/r.mp4",
        title: "Drop",
        reelVideoId: "18034567890123456", // a numeric id becomes a string
        payload: attachments[1]!.payload,
      },
      { type: "ephemeral" },
      { type: "ig_post", url: "https://cdn/p.jpg", title: "Post", payload: attachments[3]!.payload },
      { type: "brand_new_type" },
    ]);
  });

  it("maps text, quick reply, reply_to mid and story, and the defaults", () => {
    const byMid = one(
      inbound({ message: { mid: MID, text: "M", quick_reply: { payload: "SIZE_M" }, reply_to: { mid: "m0" } } }),
    );
    expect(byMid).toMatchObject({
      kind: "message",
      id: `message:${MID}`,
      text: "M",
      quickReplyPayload: "SIZE_M",
      replyTo: { mid: "m0" },
      attachments: [],
      isUnsupported: false,
      isTest: false,
      senderId: IG_USER_ID,
      recipientId: IG_ACCOUNT_ID,
      occurredAt: new Date(TS).toISOString(),
    });
    const story = one(inbound({ message: { mid: MID, reply_to: { story: { url: "https://cdn/s", id: 1804 } } } }));
    expect(story.kind === "message" && story.replyTo).toEqual({ story: { url: "https://cdn/s", id: "1804" } });
  });

  it("maps a click-to-DM ad referral with its ads_context_data onto the message", () => {
    const adsContextData = { ad_title: "Sale", photo_url: "https://cdn/a.jpg", post_id: "1806", extra: { a: 1 } };
    const referral = { ref: "spring", ad_id: "120210000000000001", source: "ADS", type: "OPEN_THREAD" };
    const event = one(
      inbound({ message: { mid: MID, text: "hi", referral: { ...referral, ads_context_data: adsContextData } } }),
    );
    expect(event.kind).toBe("message");
    expect(event.kind === "message" && event.referral).toEqual({
      ref: "spring",
      adId: "120210000000000001",
      source: "ADS",
      type: "OPEN_THREAD",
      adsContextData,
    });
  });

  it("keeps a top-level referral that arrives beside a message on the message", () => {
    const event = one(inbound({ message: { mid: MID, text: "hi" }, referral: { ref: "link", source: "IGME" } }));
    expect(event).toMatchObject({ kind: "message", referral: { ref: "link", source: "IGME" } });
  });

  it("marks an echo outbound and anything else inbound", () => {
    const echo = one({
      sender: { id: IG_ACCOUNT_ID },
      recipient: { id: IG_USER_ID },
      timestamp: TS,
      message: { mid: MID, text: "ok", is_echo: true },
    });
    expect(echo).toMatchObject({ kind: "message", direction: "outbound", isEcho: true, senderId: IG_ACCOUNT_ID });
    const notEcho = one(inbound({ message: { mid: MID, text: "ok", is_echo: false } }));
    expect(notEcho).toMatchObject({ direction: "inbound", isEcho: false });
  });

  it("maps is_deleted to message_deleted and is_unsupported to isUnsupported", () => {
    expect(one(inbound({ message: { mid: MID, is_deleted: true } }))).toEqual(
      expect.objectContaining({ kind: "message_deleted", id: `message_deleted:${MID}`, mid: MID }),
    );
    expect(one(inbound({ message: { mid: MID, is_unsupported: true } }))).toMatchObject({
      kind: "message",
      isUnsupported: true,
    });
  });

  it("ignores unknown keys in a known item", () => {
    const event = one(inbound({ message: { mid: MID, text: "hi", app_id: 1, metadata: "x" }, new_thing: true }));
    expect(event).toMatchObject({ kind: "message", text: "hi" });
    expect(event).not.toHaveProperty("new_thing");
    expect(event).not.toHaveProperty("app_id");
  });

  it("converts numeric sender and recipient ids to strings", () => {
    const event = one({ sender: { id: 1914567812 }, recipient: { id: 1784140 }, timestamp: TS, message: { mid: MID } });
    expect(event).toMatchObject({ senderId: "1914567812", recipientId: "1784140" });
  });

  it("lets message win over other event fields (precedence)", () => {
    const event = one(inbound({ message: { mid: MID, text: "hi" }, reaction: { mid: MID, action: "react" } }));
    expect(event.kind).toBe("message");
  });
});

describe("other messaging events", () => {
  it("message_edit carries the text and the edit count in event and id", () => {
    const event = one(inbound({ message_edit: { mid: MID, text: "fixed", num_edit: 3 } }));
    expect(event).toMatchObject({ kind: "message_edited", id: `message_edited:${MID}:3`, text: "fixed", numEdit: 3 });
  });

  it("reaction and unreact get distinct ids; the reaction name falls back to the emoji", () => {
    const react = one(inbound({ reaction: { mid: MID, action: "react", reaction: "love", emoji: "\u2764" } }));
    const unreact = one(inbound({ reaction: { mid: MID, action: "unreact" } }));
    const emojiOnly = one(inbound({ reaction: { mid: MID, action: "react", emoji: "\u{1F602}" } }));
    expect(react).toMatchObject({ kind: "reaction", action: "react", reaction: "love", emoji: "\u2764" });
    expect(react.id).toBe(`reaction:${MID}:${IG_USER_ID}:react:love:${TS}`);
    expect(unreact).toMatchObject({
      kind: "reaction",
      action: "unreact",
      id: `reaction:${MID}:${IG_USER_ID}:unreact::${TS}`,
    });
    expect(unreact).not.toHaveProperty("reaction");
    expect(emojiOnly.id).toBe(`reaction:${MID}:${IG_USER_ID}:react:\u{1F602}:${TS}`);
  });

  it("postback is keyed by mid, or by sender, timestamp and payload without one", () => {
    expect(one(inbound({ postback: { mid: MID, title: "T", payload: "P" } }))).toMatchObject({
      kind: "postback",
      id: `postback:${MID}`,
      mid: MID,
      title: "T",
      payload: "P",
    });
    expect(one(inbound({ postback: { title: "T", payload: "P" } })).id).toBe(`postback:${IG_USER_ID}:${TS}:P`);
  });

  it("read and referral", () => {
    expect(one(inbound({ read: { mid: MID } }))).toMatchObject({
      kind: "read",
      id: `read:${IG_USER_ID}:${MID}`,
      mid: MID,
    });
    const referral = one(
      inbound({
        referral: { ref: "r1", source: "ADS", type: "OPEN_THREAD", ad_id: 42, ads_context_data: { ad_title: "A" } },
      }),
    );
    expect(referral).toMatchObject({
      kind: "referral",
      id: `referral:${IG_USER_ID}:${TS}:r1`,
      referral: { ref: "r1", source: "ADS", type: "OPEN_THREAD", adId: "42", adsContextData: { ad_title: "A" } },
    });
    expect(one(inbound({ referral: { source: "IGME" } })).id).toBe(`referral:${IG_USER_ID}:${TS}:`);
  });
});

describe("malformed messaging items become unrecognised with a reason", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not an object", "hello", /not an object/],
    ["an array", [1, 2], /not an object/],
    [
      "no known field",
      inbound({ optin: { ref: "x" } }),
      /no known event field \(keys: optin, recipient, sender, timestamp\)/,
    ],
    ["no sender", { recipient: { id: "1" }, timestamp: TS, message: { mid: MID } }, /no sender\.id/],
    ["no recipient", { sender: { id: "1" }, timestamp: TS, message: { mid: MID } }, /no recipient\.id/],
    ["empty sender id", inbound({ sender: { id: "" }, message: { mid: MID } }), /no sender\.id/],
    ["message without mid", inbound({ message: { text: "hi" } }), /message has no mid/],
    ["message not an object", inbound({ message: "hi" }), /message is not an object/],
    ["attachments not an array", inbound({ message: { mid: MID, attachments: {} } }), /attachments is not an array/],
    [
      "attachment not an object",
      inbound({ message: { mid: MID, attachments: [{ type: "image" }, 7] } }),
      /attachments\[1\] is not an object/,
    ],
    ["reaction without mid", inbound({ reaction: { action: "react" } }), /reaction has no mid/],
    ["Messenger read with a watermark", inbound({ read: { watermark: TS } }), /read has no mid \(keys: watermark\)/],
    ["message_edit without mid", inbound({ message_edit: { text: "x", num_edit: 1 } }), /message_edit has no mid/],
    ["postback not an object", inbound({ postback: "P" }), /postback is not an object/],
  ];
  it.each(cases)("%s", (_name, item, reason) => {
    expectUnrecognised(one(item), reason, item);
  });

  it("takes the item's timestamp for occurredAt when it has one", () => {
    const event = one(inbound({ timestamp: TS + 5000, optin: {} }));
    expect(event.occurredAt).toBe(new Date(TS + 5000).toISOString());
  });
});
