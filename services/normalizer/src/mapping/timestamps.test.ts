import { fixtureDelivery, IG_ACCOUNT_ID, IG_USER_ID, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";
import { occurredAt, timestampKey, toEpochMs } from "./timestamps.js";

const MS = 1_732_780_800_123;
const S = 1_732_780_800;

describe("toEpochMs", () => {
  it("takes values from 1e12 up as milliseconds and smaller ones as seconds", () => {
    expect(toEpochMs(MS)).toBe(MS);
    expect(toEpochMs(S)).toBe(S * 1000);
    expect(toEpochMs(1e12)).toBe(1e12);
    expect(toEpochMs(253_402_300_799)).toBe(253_402_300_799_000); // the last second of year 9999
    expect(toEpochMs(1e12 - 1)).toBeUndefined(); // seconds, so far beyond year 9999
    expect(toEpochMs(S + 0.5)).toBe(S * 1000 + 500);
  });

  it("accepts numeric strings (the dashboard's test event sends one)", () => {
    expect(toEpochMs("1527459824")).toBe(1_527_459_824_000);
    expect(toEpochMs(String(MS))).toBe(MS);
  });

  it.each([
    ["negative", -1],
    ["NaN", Number.NaN],
    ["infinite", Number.POSITIVE_INFINITY],
    ["beyond year 9999", 253_402_300_800_000],
    ["non-numeric string", "yesterday"],
    ["ISO string", "2024-11-28T08:00:00Z"],
    ["empty string", ""],
    ["null", null],
    ["object", { ms: 1 }],
  ])("rejects %s", (_name, value) => {
    expect(toEpochMs(value)).toBeUndefined();
  });
});

describe("occurredAt and timestampKey", () => {
  it("takes the first usable candidate, else the fallback", () => {
    expect(occurredAt([MS, S], "x")).toBe("2024-11-28T08:00:00.123Z");
    expect(occurredAt([undefined, S], "x")).toBe("2024-11-28T08:00:00.000Z");
    expect(occurredAt(["bad", undefined], fixtureDelivery.receivedAt)).toBe(fixtureDelivery.receivedAt);
  });

  it("normalises id segments so seconds, ms and strings of one instant agree", () => {
    expect(timestampKey(S)).toBe(timestampKey(S * 1000));
    expect(timestampKey(String(S))).toBe(String(S * 1000));
    expect(timestampKey(undefined)).toBe("");
  });
});

describe("occurredAt of events", () => {
  const run = (entry: Record<string, unknown>) => {
    const body = { object: "instagram", entry: [{ id: IG_ACCOUNT_ID, ...entry }] };
    const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
    if (!result.ok) throw new Error(result.reason);
    return result.events.map((e) => e.occurredAt);
  };
  const item = (extra: object) => ({
    sender: { id: IG_USER_ID },
    recipient: { id: IG_ACCOUNT_ID },
    read: { mid: "m" },
    ...extra,
  });

  it("is the item's timestamp (ms), else entry.time, else receivedAt", () => {
    expect(run({ time: S, messaging: [item({ timestamp: MS })] })).toEqual(["2024-11-28T08:00:00.123Z"]);
    expect(run({ time: MS, messaging: [item({})] })).toEqual(["2024-11-28T08:00:00.123Z"]);
    expect(run({ messaging: [item({})] })).toEqual([fixtureDelivery.receivedAt]);
    expect(run({ time: "garbage", messaging: [item({ timestamp: null })] })).toEqual([fixtureDelivery.receivedAt]);
  });

  it("reads a changes entry.time in seconds", () => {
    expect(run({ time: S, changes: [{ field: "mentions", value: { media_id: "1" } }] })).toEqual([
      "2024-11-28T08:00:00.000Z",
    ]);
  });
});
