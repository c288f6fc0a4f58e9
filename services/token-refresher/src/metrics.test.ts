import type { AccountEvent } from "@igdm/contracts";
import { metricsRegistry } from "@igdm/runtime";
import { parsePrometheusText } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { countRefreshOutcomes } from "./metrics.js";

const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
const at = "2026-11-28T10:00:00.000Z";

describe("refresh pass metrics", () => {
  it("count each outcome by subject type", async () => {
    const subject = { subjectType: "user" as const, subjectId: "1" };
    const events: AccountEvent[] = [
      {
        v: 1,
        id: "token_refreshed:user:1:r",
        occurredAt: at,
        kind: "token_refreshed",
        ...subject,
        accessTokenEnc: "v1.k.x",
        tokenExpiresAt: null,
      },
      { v: 1, id: "reauth_needed:user:1:r", occurredAt: at, kind: "reauth_needed", ...subject, reason: "dead" },
      {
        v: 1,
        id: "token_refresh_failed:user:1:r",
        occurredAt: at,
        kind: "token_refresh_failed",
        ...subject,
        reason: "5xx",
      },
    ];
    const before = await scrape();
    countRefreshOutcomes("user", events);
    const after = await scrape();
    for (const name of [
      "igdm_tokens_refreshed_total",
      "igdm_tokens_invalidated_total",
      "igdm_token_refresh_failures_total",
    ]) {
      expect(after.value(name, { subject_type: "user" }) - before.value(name, { subject_type: "user" })).toBe(1);
    }
  });
});
