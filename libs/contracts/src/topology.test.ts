import { describe, expect, it } from "vitest";
import { allStreams } from "./streams.js";
import { topology } from "./topology.js";

describe("topology", () => {
  it("uses the plain names without a namespace", () => {
    const t = topology();
    expect(t.streams).toEqual({ webhooks: "WEBHOOKS", events: "EVENTS", dlq: "DLQ" });
    expect(t.subjects.rawWebhook).toBe("igdm.webhooks.raw");
    expect(t.subjects.dlq("normalizer")).toBe("igdm.dlq.normalizer");
  });

  it("prefixes streams and subjects with a namespace so parallel tests never overlap", () => {
    const t = topology("t_ab12");
    expect(t.streams.webhooks).toBe("T_AB12_WEBHOOKS");
    expect(t.subjects.rawWebhook).toBe("t_ab12.igdm.webhooks.raw");
    const subjects = allStreams(t).flatMap((s) => s.subjects);
    expect(subjects.every((s) => s.startsWith("t_ab12.igdm."))).toBe(true);
  });

  it("rejects namespaces and subject tokens that would break subjects", () => {
    expect(() => topology("a.b")).toThrow(/invalid NATS namespace/);
    expect(() => topology("UPPER")).toThrow(/invalid NATS namespace/);
    expect(() => topology().subjects.event("a.>")).toThrow(/invalid subject token/);
  });

  it("never lets the duplicate window exceed the stream's max age", () => {
    const [webhooks] = allStreams(topology(), {
      replicas: 3,
      webhooksMaxAgeMs: 1000,
      eventsMaxAgeMs: 1000,
      dlqMaxAgeMs: 1000,
      duplicateWindowMs: 60_000,
    });
    expect(webhooks!.duplicate_window).toBe(webhooks!.max_age);
    expect(webhooks!.num_replicas).toBe(3);
  });
});
