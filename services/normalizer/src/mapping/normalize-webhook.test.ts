import { WebhookEvent } from "@igdm/contracts";
import {
  fixtureDelivery,
  IG_ACCOUNT_ID,
  IG_USER_ID,
  instagramFixtures,
  malformedBodies,
  webhookBytes,
} from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { UNKNOWN_ACCOUNT_ID } from "./map-entry.js";
import { type NormalizeResult, normalizeWebhook } from "./normalize-webhook.js";

const normalize = (body: object | string | Uint8Array, delivery: Partial<typeof fixtureDelivery> = {}) =>
  normalizeWebhook({
    body: body instanceof Uint8Array ? body : webhookBytes(body),
    ...fixtureDelivery,
    ...delivery,
  });

function eventsOf(result: NormalizeResult): WebhookEvent[] {
  if (!result.ok) throw new Error(result.reason);
  for (const event of result.events) WebhookEvent.parse(event);
  return result.events;
}

const unrecognisedId = (entryIndex: number, channel: string, itemIndex: number) =>
  `unrecognised:${fixtureDelivery.webhookId}:${entryIndex}:${channel}:${itemIndex}`;

describe("bodies that are refused (ok:false)", () => {
  const reasons: Record<string, RegExp> = {
    notJson: /^body is not JSON: /,
    empty: /^body is not JSON: /,
    jsonArray: /^body is not a Meta webhook envelope: /,
    jsonString: /^body is not a Meta webhook envelope: /,
    jsonNull: /^body is not a Meta webhook envelope: /,
    withoutEntry: /^body is not a Meta webhook envelope: entry: /,
    entryNotArray: /^body is not a Meta webhook envelope: entry: .*array/,
    withoutObject: /^body is not a Meta webhook envelope: object: /,
    objectNotString: /^body is not a Meta webhook envelope: object: .*string/,
  };

  it("has a reason pattern for every malformed body", () => {
    expect(Object.keys(reasons).sort()).toEqual(Object.keys(malformedBodies).sort());
  });

  it.each(Object.entries(malformedBodies))("%s", (name, body) => {
    const result = normalize(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reasons[name]!);
  });

  it("refuses invalid UTF-8 instead of replacing it", () => {
    const valid = webhookBytes({ object: "instagram", entry: [] });
    const invalid = new Uint8Array([...valid.slice(0, -2), 0xc3, 0x28, ...valid.slice(-2)]);
    expect(normalize(invalid)).toEqual({ ok: false, reason: "body is not valid UTF-8" });
  });

  it("refuses delivery metadata that would make every event invalid", () => {
    expect(normalize({ object: "instagram", entry: [] }, { webhookId: "abc" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^invalid delivery metadata: webhookId: /),
    });
    expect(normalize({ object: "instagram", entry: [] }, { receivedAt: "yesterday" }).ok).toBe(false);
    expect(normalize({ object: "instagram", entry: [] }, { streamSeq: -1 }).ok).toBe(false);
  });
});

describe("envelopes", () => {
  it("an empty entry array is ok with zero events", () => {
    expect(normalize({ object: "instagram", entry: [] })).toEqual({ ok: true, events: [] });
  });

  it("an entry with empty item lists yields nothing (it has the lists)", () => {
    expect(
      eventsOf(normalize({ object: "instagram", entry: [{ id: "1", time: 1, messaging: [], changes: [] }] })),
    ).toEqual([]);
  });

  it("accepts unknown envelope keys and non-ASCII sent escaped, as Meta signs it", () => {
    const body = `{"object":"instagram","future":1,"entry":[{"id":"${IG_ACCOUNT_ID}","time":1,"messaging":[{"sender":{"id":"${IG_USER_ID}"},"recipient":{"id":"${IG_ACCOUNT_ID}"},"timestamp":1732780800000,"message":{"mid":"m1","text":"Gr\\u00fc\\u00dfe \\ud83d\\ude00"}}]}]}`;
    expect(eventsOf(normalize(body))[0]).toMatchObject({ kind: "message", text: "Grüße 😀" });
  });

  it("emits messaging, then standby, then changes, for each entry in order", () => {
    const item = (mid: string) => ({
      sender: { id: "1" },
      recipient: { id: "2" },
      timestamp: 1_732_780_800_000,
      message: { mid },
    });
    const events = eventsOf(
      normalize({
        object: "instagram",
        entry: [
          {
            id: "2",
            time: 1,
            changes: [{ field: "mentions", value: { media_id: "9" } }],
            standby: [item("s")],
            messaging: [item("m")],
          },
          { id: "3", time: 1, messaging: [item("n")] },
        ],
      }),
    );
    expect(events.map((e) => [e.id.split(":")[0], e.source.entryIndex, e.source.channel])).toEqual([
      ["message", 0, "messaging"],
      ["message", 0, "standby"],
      ["mention", 0, "changes"],
      ["message", 1, "messaging"],
    ]);
    expect(events.map((e) => e.accountId)).toEqual(["2", "2", "2", "3"]);
  });
});

describe("odd entries are surfaced, never dropped", () => {
  it("an entry with none of the lists", () => {
    const entry = { id: IG_ACCOUNT_ID, time: 1_732_780_800_000, hop_context: [] };
    expect(eventsOf(normalize({ object: "instagram", entry: [entry] }))).toEqual([
      expect.objectContaining({
        kind: "unrecognised",
        id: unrecognisedId(0, "entry", 0),
        accountId: IG_ACCOUNT_ID,
        reason: "entry has none of messaging, standby, changes",
        raw: entry,
        source: expect.objectContaining({ channel: "entry", itemIndex: 0 }),
      }),
    ]);
  });

  it("an entry that is not an object, or has no usable id, gets a placeholder account", () => {
    const events = eventsOf(
      normalize({ object: "instagram", entry: ["x", { time: 1, messaging: [] }, { id: "", messaging: [] }] }),
    );
    expect(events.map((e) => [e.id, e.accountId, e.kind === "unrecognised" && e.reason])).toEqual([
      [unrecognisedId(0, "entry", 0), UNKNOWN_ACCOUNT_ID, "entry is not an object"],
      [unrecognisedId(1, "entry", 0), UNKNOWN_ACCOUNT_ID, "entry has no usable id"],
      [unrecognisedId(2, "entry", 0), UNKNOWN_ACCOUNT_ID, "entry has no usable id"],
    ]);
  });

  it("a list that is not an array is surfaced on its channel while the other lists still map", () => {
    const events = eventsOf(
      normalize({
        object: "instagram",
        entry: [
          { id: "5", time: 1, messaging: { oops: true }, changes: [{ field: "mentions", value: { media_id: "1" } }] },
        ],
      }),
    );
    expect(events).toEqual([
      expect.objectContaining({
        kind: "unrecognised",
        id: unrecognisedId(0, "messaging", 0),
        reason: "entry.messaging is not an array",
        raw: { oops: true },
      }),
      expect.objectContaining({ kind: "mention", mediaId: "1" }),
    ]);
  });

  it("a numeric entry id becomes a string (exact below 2^53; Meta sends ids as strings)", () => {
    const events = eventsOf(
      normalize({
        object: "instagram",
        entry: [{ id: 17841400000, time: 1, changes: [{ field: "mentions", value: { media_id: 1 } }] }],
      }),
    );
    expect(events[0]).toMatchObject({ accountId: "17841400000", mediaId: "1" });
  });

  it("object 'page' (Messenger) keeps its object", () => {
    const events = eventsOf(normalize(instagramFixtures.messenger_text!.body));
    expect(events[0]).toMatchObject({ object: "page", kind: "message" });
  });
});

describe("defence in depth: events that fail the contract become unrecognised", () => {
  const item = (message: object) => ({
    sender: { id: IG_USER_ID },
    recipient: { id: IG_ACCOUNT_ID },
    timestamp: 1_732_780_800_000,
    message,
  });
  const run = (...items: object[]) =>
    eventsOf(normalize({ object: "instagram", entry: [{ id: IG_ACCOUNT_ID, time: 1, messaging: items }] }));

  it("a message whose text is a number, with the item and zod's issues", () => {
    const bad = item({ mid: "m1", text: 42 });
    const [event, next] = run(bad, item({ mid: "m2", text: "fine" }));
    expect(event).toMatchObject({ kind: "unrecognised", id: unrecognisedId(0, "messaging", 0), raw: bad });
    expect(event!.kind === "unrecognised" && event!.reason).toMatch(
      /^message event failed the contract: text: .*expected string/i,
    );
    expect(next).toMatchObject({ kind: "message", id: "message:m2", source: { itemIndex: 1 } });
  });

  it.each([
    ["attachment without a type", { mid: "m", attachments: [{ payload: { url: "u" } }] }, /attachments\.0\.type/],
    [
      "ads_context_data not an object",
      { mid: "m", referral: { ref: "r", ads_context_data: "x" } },
      /referral\.adsContextData/,
    ],
    ["a mid longer than 256", { mid: "m".repeat(300) }, /mid: /],
    ["quick reply payload not a string", { mid: "m", quick_reply: { payload: 5 } }, /quickReplyPayload/],
  ])("%s", (_name, message, reason) => {
    const [event] = run(item(message));
    expect(event).toMatchObject({ kind: "unrecognised", raw: item(message) });
    expect(event!.kind === "unrecognised" && event!.reason).toMatch(reason);
  });

  it("other kinds too: an edit count that is not a number, a reaction with an unknown action", () => {
    const edit = { sender: { id: "1" }, recipient: { id: "2" }, message_edit: { mid: "m", text: "t", num_edit: "2" } };
    const reaction = { sender: { id: "1" }, recipient: { id: "2" }, reaction: { mid: "m", action: "wave" } };
    const [e1, e2] = run(edit, reaction);
    expect(e1!.kind === "unrecognised" && e1!.reason).toMatch(/^message_edited event failed the contract: numEdit: /);
    expect(e2!.kind === "unrecognised" && e2!.reason).toMatch(/^reaction event failed the contract: action: /);
  });
});
