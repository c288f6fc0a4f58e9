import { WebhookEvent } from "@igdm/contracts";
import { fixtureDelivery, IG_ACCOUNT_ID, IG_USER_ID, instagramFixtures, webhookBytes } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { eventId, MAX_EVENT_ID_LENGTH } from "./event-ids.js";
import { normalizeWebhook } from "./normalize-webhook.js";

const OTHER_WEBHOOK = "f".repeat(64);

function run(body: object, webhookId: string = fixtureDelivery.webhookId) {
  const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery, webhookId });
  if (!result.ok) throw new Error(result.reason);
  return result.events;
}

describe("eventId", () => {
  it("joins prefix and parts, empty for absent parts", () => {
    expect(eventId("reaction", ["m", "s", "unreact", undefined, 5])).toBe("reaction:m:s:unreact::5");
  });

  it("keeps an id of exactly the limit and hashes the tail of a longer one", () => {
    const exact = "x".repeat(MAX_EVENT_ID_LENGTH - "postback:".length);
    expect(eventId("postback", [exact])).toBe(`postback:${exact}`);
    const hashed = eventId("postback", [`${exact}y`]);
    expect(hashed).toMatch(/^postback:sha256:[0-9a-f]{64}$/);
    expect(eventId("postback", [`${exact}y`])).toBe(hashed);
    expect(eventId("postback", [`${exact}z`])).not.toBe(hashed);
  });
});

describe("ids of events", () => {
  it("hashes an over-long postback id (no mid, 1000-char payload) into a valid, stable, distinct id", () => {
    const body = (payload: string) => ({
      object: "instagram",
      entry: [
        {
          id: IG_ACCOUNT_ID,
          time: 1,
          messaging: [
            {
              sender: { id: IG_USER_ID },
              recipient: { id: IG_ACCOUNT_ID },
              timestamp: 1_732_780_800_000,
              postback: { title: "t", payload },
            },
          ],
        },
      ],
    });
    const [a] = run(body("A".repeat(1000)));
    const [b] = run(body(`${"A".repeat(999)}B`));
    expect(a).toMatchObject({ kind: "postback", payload: "A".repeat(1000) });
    expect(a!.id).toMatch(/^postback:sha256:[0-9a-f]{64}$/);
    expect(WebhookEvent.parse(a).id).toBe(a!.id);
    expect(b!.id).not.toBe(a!.id);
    expect(run(body("A".repeat(1000)))[0]!.id).toBe(a!.id);
  });

  it("are the same for the same Meta item in another batch position and delivery, except unrecognised", () => {
    const items = instagramFixtures.batch_2x3!.body as {
      object: string;
      entry: { id: string; time: number; messaging: unknown[] }[];
    };
    const original = run(items);
    // Re-batched: entries swapped, items reversed, an unknown item prepended, delivered as another webhook.
    const rebatched = {
      object: "instagram",
      entry: [...items.entry]
        .reverse()
        .map((e) => ({ ...e, time: e.time + 60_000, messaging: [{ weird: 1 }, ...[...e.messaging].reverse()] })),
    };
    const again = run(rebatched, OTHER_WEBHOOK);
    const known = again.filter((e) => e.kind !== "unrecognised");
    expect(known.map((e) => e.id).sort()).toEqual(original.map((e) => e.id).sort());
    expect(known.map((e) => e.source.itemIndex)).not.toEqual(original.map((e) => e.source.itemIndex));

    const unrecognised = again.filter((e) => e.kind === "unrecognised").map((e) => e.id);
    expect(unrecognised).toEqual([
      `unrecognised:${OTHER_WEBHOOK}:0:messaging:0`,
      `unrecognised:${OTHER_WEBHOOK}:1:messaging:0`,
    ]);
  });

  it("are identical when the same body is normalized twice (deterministic, no clock)", () => {
    const body = instagramFixtures.batch_2x3!.body;
    expect(run(body)).toEqual(run(body));
  });
});
