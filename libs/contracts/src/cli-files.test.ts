import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { natsCliFiles } from "./cli-files.js";

const natsDir = resolve(import.meta.dirname, "../../../nats");

describe("NATS CLI files", () => {
  it("in the repo are exactly what the contracts generate (run npm run gen:consumers after a change)", () => {
    const expected = natsCliFiles();
    const committed: Record<string, string> = {};
    for (const sub of ["streams", "consumers"]) {
      for (const f of readdirSync(join(natsDir, sub))) {
        committed[`${sub}/${f}`] = readFileSync(join(natsDir, sub, f), "utf8");
      }
    }
    expect(committed).toEqual(expected);
  });

  it("use the JetStream API's field names and nanosecond durations", () => {
    const consumer = JSON.parse(natsCliFiles()["consumers/WEBHOOKS.normalizer.json"]!);
    expect(consumer).toMatchObject({
      durable_name: "normalizer",
      ack_policy: "explicit",
      filter_subject: "igdm.webhooks.raw",
    });
    expect(consumer.ack_wait).toBe(30_000_000_000);
    expect(consumer).not.toHaveProperty("filter_subjects");
  });
});
