import { WebhookEvent } from "@igdm/contracts";
import { batchWebhook, fixtureDelivery, instagramFixtures, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";

function normalize(body: object) {
  const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.events;
}

/** Where each event must come from, walked independently of the mapping: items in entry order, then list order. */
function expectedPositions(body: object) {
  const entries = (body as { entry: Record<string, unknown>[] }).entry;
  return entries.flatMap((entry, entryIndex) => {
    const lists = (["messaging", "standby", "changes"] as const).filter((c) => entry[c] !== undefined);
    if (lists.length === 0) return [{ entryIndex, channel: "entry", itemIndex: 0 }];
    return lists.flatMap((channel) =>
      (entry[channel] as unknown[]).map((_, itemIndex) => ({ entryIndex, channel, itemIndex })),
    );
  });
}

describe("every Instagram fixture", () => {
  it.each(Object.entries(instagramFixtures))("%s maps to its expected events", (_name, fixture) => {
    const events = normalize(fixture.body);

    expect(events.map((e) => [e.kind, e.id])).toEqual(fixture.expected.map((e) => [e.kind, e.id]));
    events.forEach((event, i) => {
      expect(event).toMatchObject(fixture.expected[i]!);
      expect(WebhookEvent.parse(event)).toEqual(event);
      expect(event.receivedAt).toBe(fixtureDelivery.receivedAt);
      expect(event.source.webhookId).toBe(fixtureDelivery.webhookId);
      expect(event.source.streamSeq).toBe(fixtureDelivery.streamSeq);
      expect(event.object).toBe((fixture.body as { object: string }).object);
      if (event.kind === "unrecognised") expect(event.reason.length).toBeGreaterThan(10);
    });
    expect(
      events.map(({ source: { entryIndex, channel, itemIndex } }) => ({ entryIndex, channel, itemIndex })),
    ).toEqual(expectedPositions(fixture.body));
  });

  it("gives distinct Meta events distinct ids across all fixtures", () => {
    const ids = Object.values(instagramFixtures)
      .flatMap((f) => normalize(f.body))
      .filter((e) => e.kind !== "unrecognised") // position-based: unique within one webhook only
      .map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("covers every kind of domain event", () => {
    const kinds = new Set(Object.values(instagramFixtures).flatMap((f) => f.expected.map((e) => e.kind)));
    expect([...kinds].sort()).toEqual(
      ["comment", "mention", "message", "message_deleted", "message_edited", "postback", "reaction", "read"]
        .concat(["referral", "unrecognised"])
        .sort(),
    );
  });
});

describe("batchWebhook", () => {
  it("produces entries x items distinct inbound text messages, one account per entry", () => {
    const events = normalize(batchWebhook(4, 25));
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.id)).size).toBe(100);
    expect(new Set(events.map((e) => e.accountId)).size).toBe(4);
    for (const event of events) {
      expect(event).toMatchObject({ kind: "message", direction: "inbound", isEcho: false });
      expect(event.kind === "message" && event.recipientId).toBe(event.accountId);
    }
    expect(events[26]!.source).toMatchObject({ entryIndex: 1, channel: "messaging", itemIndex: 1 });
  });

  it("yields different mids for different seeds and the same body for the same seed", () => {
    const ids = (seed: string) => normalize(batchWebhook(2, 3, seed)).map((e) => e.id);
    expect(ids("a")).toEqual(ids("a"));
    expect(ids("a").filter((id) => ids("b").includes(id))).toEqual([]);
  });
});
