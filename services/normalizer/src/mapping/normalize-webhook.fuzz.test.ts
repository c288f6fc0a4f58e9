import { createHash } from "node:crypto";
import { WebhookEvent } from "@igdm/contracts";
import { type FuzzBody, fuzz, webhookBody } from "@igdm/testkit";
import fc from "fast-check";
import { expect, it, vi } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";

// The default runs take seconds; FUZZ_RUNS may ask for many more.
vi.setConfig({ testTimeout: 180_000 });

/** Every refusal the mapping documents; anything else (e.g. "normalizer bug: …") is a bug the fuzzer found. */
const REFUSALS =
  /^(body is not valid UTF-8|body is not JSON: .+|body is not a Meta webhook envelope: .+|body nests deeper than \d+ levels|body carries \d+ items, more than the \d+ one webhook may hold)$/s;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const CHANNELS = ["messaging", "standby", "changes"] as const;

/**
 * Nothing is dropped: one event per messaging/standby/changes item, and one for each entry, or item list, that is
 * not one (an entry without a usable id, without any list, or a list that is not an array).
 */
function expectedEventCount(entries: unknown[]): number {
  let n = 0;
  for (const e of entries) {
    const id = isObject(e) ? e.id : undefined;
    const usableId = (typeof id === "string" && id.length > 0 && id.length <= 256) || Number.isFinite(id);
    const lists = isObject(e) && usableId ? CHANNELS.map((c) => e[c]).filter((l) => l !== undefined) : [];
    n += lists.length === 0 ? 1 : lists.reduce<number>((sum, l) => sum + (Array.isArray(l) ? l.length : 1), 0);
  }
  return n;
}

function normalize(body: FuzzBody) {
  return normalizeWebhook({
    body: body.bytes,
    webhookId: createHash("sha256").update(body.bytes).digest("hex"),
    streamSeq: 7,
    receivedAt: "2024-11-28T08:05:00.000Z",
  });
}

it("maps any body to contract-valid events or refuses it with a documented reason, never throwing", async () => {
  // Up to 256 KiB: deep enough (about 20,000 levels) and long enough (about 85,000 items) to find recursion and size bugs.
  const bodies = webhookBody({ maxBytes: 256 * 1024 });
  await fuzz(
    "normalizeWebhook(any body)",
    fc.property(bodies, (body) => {
      const result = normalize(body);
      if (!result.ok) {
        expect(result.reason).toMatch(REFUSALS);
        expect(body.family, "a valid Meta body must never be refused").not.toBe("valid");
        return;
      }
      // Accepted: the body is a JSON envelope (a BOM is allowed), and each event passes its contract unchanged.
      const envelope = JSON.parse(body.bytes.toString("utf8").replace(/^\uFEFF/, "")) as { entry: unknown[] };
      expect(result.events).toHaveLength(expectedEventCount(envelope.entry));
      for (const event of result.events) {
        expect(WebhookEvent.parse(event)).toEqual(event);
        // The id travels as Nats-Msg-Id: NATS refuses \r and \n in a header, so such an event could never be published.
        expect(event.id).not.toMatch(/[\r\n]/);
        expect(event.source.webhookId).toBe(createHash("sha256").update(body.bytes).digest("hex"));
      }
      // The events leave as JSON: they must serialise, whatever they carry.
      expect(() => JSON.stringify(result.events)).not.toThrow();
      if (body.family === "valid") expect(result.events.filter((e) => e.kind === "unrecognised")).toEqual([]);
    }),
    { runs: 3000 },
  );
});
