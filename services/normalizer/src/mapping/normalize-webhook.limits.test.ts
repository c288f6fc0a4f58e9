import { MAX_JSON_DEPTH, nestsDeeperThan } from "@igdm/contracts";
import { fixtureDelivery, placeJson, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { MAX_ITEMS_PER_WEBHOOK, normalizeWebhook } from "./normalize-webhook.js";

const normalize = (body: string) => normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("deeply nested bodies (the fuzzer overflowed the stack with a few thousand levels)", () => {
  it.each(["item", "entry", "attachment-payload", "change-value"] as const)(
    "refuses 20,000 levels in an %s with a reason instead of 'normalizer bug'",
    (where) => {
      expect(normalize(placeJson(where, nested(20_000)))).toEqual({
        ok: false,
        reason: `body nests deeper than ${MAX_JSON_DEPTH} levels`,
      });
    },
  );

  it("maps a body exactly at the limit, keeping the nested value", () => {
    // placeJson("item") puts the value 4 levels down: {entry:[{messaging:[ value ]}]}.
    const result = normalize(placeJson("item", nested(MAX_JSON_DEPTH - 4)));
    expect(result.ok && result.events.map((e) => e.kind)).toEqual(["unrecognised"]);
  });

  it("counts brackets outside strings only", () => {
    expect(nestsDeeperThan(`{"a":"${"[".repeat(500)}\\"["}`, 2)).toBe(false);
    expect(nestsDeeperThan("[[[]]]", 3)).toBe(false);
    expect(nestsDeeperThan("[[[[]]]]", 3)).toBe(true);
  });
});

describe("bodies with absurdly many items (a 4 MB body of {} held the event loop for 30 s)", () => {
  const withItems = (n: number) =>
    JSON.stringify({ object: "instagram", entry: [{ id: "1", messaging: Array(n).fill({}) }] });

  it("refuses more items than one webhook may hold", () => {
    expect(normalize(withItems(MAX_ITEMS_PER_WEBHOOK + 1))).toEqual({
      ok: false,
      reason: `body carries ${MAX_ITEMS_PER_WEBHOOK + 1} items, more than the ${MAX_ITEMS_PER_WEBHOOK} one webhook may hold`,
    });
  });

  it("maps every item up to the limit", () => {
    const result = normalize(withItems(MAX_ITEMS_PER_WEBHOOK));
    expect(result.ok && result.events.length).toBe(MAX_ITEMS_PER_WEBHOOK);
  });

  it("counts entries that are not objects too", () => {
    const body = JSON.stringify({ object: "instagram", entry: Array(MAX_ITEMS_PER_WEBHOOK + 1).fill(0) });
    expect(normalize(body).ok).toBe(false);
  });
});
