import { metricsRegistry, parseEnv } from "@igdm/runtime";
import {
  connectTestNats,
  deleteNamespaceStreams,
  instagramTextWebhook,
  metaWebhookHeaders,
  parsePrometheusText,
  waitFor,
} from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngressEnv } from "./env.js";
import {
  APP_SECRET,
  type IngressUnderTest,
  leakedHarnessSecrets,
  startIngress,
  VERIFY_TOKEN,
} from "./testing/ingress-harness.js";

/*
 * The public OAuth routes, Meta's user callbacks and the deletion status page are limited per client address and
 * route group; /webhook (Meta's deliveries and handshake) and the health and policy pages never are. No stand-in
 * answers for token-refresher or the persister: the routes answer 503 or 4xx on their own, which is enough to count.
 */

const MAX = 3;
let ingress: IngressUnderTest;
let nc: NatsConnection;
const started: IngressUnderTest[] = [];
const logLines: string[] = [];
const answers: { where: string; text: string }[] = [];
let mid = 0;
let lastAddress = 0;

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress({
    logLines,
    env: {
      TRUST_PROXY: "true",
      PUBLIC_RATE_LIMIT_MAX: String(MAX),
      META_CALLBACK_RATE_LIMIT_MAX: String(MAX),
      PUBLIC_RATE_LIMIT_WINDOW_MS: "600000",
    },
  });
  started.push(ingress);
});

afterAll(async () => {
  for (const s of started) {
    await s.close();
    await deleteNamespaceStreams(nc, s.namespace);
  }
  await nc.close();
});

/** A fresh client address (TEST-NET-3) per call: tests do not share budgets. */
const nextAddress = () => `203.0.113.${++lastAddress}`;

interface Call {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

const GROUPS: Record<string, Call[]> = {
  oauth: [
    { method: "GET", url: "/auth/login" },
    { method: "GET", url: "/auth/callback?state=s" },
    { method: "GET", url: "/auth/callback?code=c&state=s" },
  ],
  "user-callbacks": [
    {
      method: "POST",
      url: "/meta/data-deletion",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "signed_request=not.valid",
    },
    {
      method: "POST",
      url: "/meta/deauthorize",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "signed_request=not.valid",
    },
  ],
  "deletion-status": [{ method: "GET", url: "/meta/data-deletion/ABCDEFGHIJKLMNOPQRST" }],
};

async function call(on: IngressUnderTest, c: Call, address?: string): Promise<LightMyRequestResponse> {
  const res = await on.app.inject({
    method: c.method,
    url: c.url,
    payload: c.payload,
    headers: { ...c.headers, ...(address ? { "x-forwarded-for": address } : {}) },
  });
  answers.push({
    where: `${c.method} ${c.url.split("?")[0]}`,
    text: `${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`,
  });
  return res;
}

function expectLimited(res: LightMyRequestResponse, windowSeconds: number, where: string) {
  expect(res.statusCode, where).toBe(429);
  const retryAfter = Number(res.headers["retry-after"]);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, where).toBe(true);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.json(), where).toEqual({ error: { code: "IGDM_ERR_RATE_LIMITED", message: expect.any(String) } });
}

const rateLimited = async (route: string) =>
  parsePrometheusText(await metricsRegistry.metrics()).value("igdm_ingress_rate_limited_total", { route });

describe("the public rate limit", () => {
  it.each(Object.entries(GROUPS))(
    "answers the request after the limit of group %s from one address 429, with Retry-After and the stable error",
    async (_, calls) => {
      const address = nextAddress();
      // The group's routes share one budget: cycling through them spends it.
      for (let i = 0; i < MAX; i++) {
        const res = await call(ingress, calls[i % calls.length]!, address);
        expect(res.statusCode, `request ${i + 1}`).not.toBe(429);
      }
      for (const c of calls) expectLimited(await call(ingress, c, address), 600, `${c.method} ${c.url}`);
    },
  );

  it("leaves other addresses and the same address's other groups untouched", async () => {
    const spent = nextAddress();
    for (let i = 0; i <= MAX; i++) await call(ingress, GROUPS.oauth![0]!, spent);
    expectLimited(await call(ingress, GROUPS.oauth![0]!, spent), 600, "spent");
    for (const c of GROUPS.oauth!) expect((await call(ingress, c, nextAddress())).statusCode).not.toBe(429);
    expect((await call(ingress, GROUPS["user-callbacks"]![0]!, spent)).statusCode).toBe(400);
    expect((await call(ingress, GROUPS["deletion-status"]![0]!, spent)).statusCode).not.toBe(429);
  });

  it("counts each 429 by route pattern", async () => {
    const before = await rateLimited("/meta/data-deletion/:code");
    const address = nextAddress();
    const status = GROUPS["deletion-status"]![0]!;
    for (let i = 0; i < MAX + 4; i++) await call(ingress, status, address);
    expect((await rateLimited("/meta/data-deletion/:code")) - before).toBe(4);
  });

  it("never limits POST /webhook, the handshake, /health, /ready or /privacy, even for an address over its limit", async () => {
    const address = nextAddress();
    for (let i = 0; i <= MAX; i++) await call(ingress, GROUPS.oauth![0]!, address);
    expectLimited(await call(ingress, GROUPS.oauth![0]!, address), 600, "spent");
    const handshake = `/webhook?hub.mode=subscribe&hub.challenge=42&hub.verify_token=${VERIFY_TOKEN}`;
    for (let i = 0; i < 3 * MAX; i++) {
      const body = instagramTextWebhook(`mid.limit.${++mid}`);
      const webhook = await call(
        ingress,
        { method: "POST", url: "/webhook", headers: metaWebhookHeaders(body, APP_SECRET), payload: body },
        address,
      );
      expect(webhook.statusCode, `webhook ${i + 1}: ${webhook.body}`).toBe(200);
      for (const url of [handshake, "/health", "/ready", "/privacy"]) {
        const res = await call(ingress, { method: "GET", url }, address);
        expect(res.statusCode, `${url} #${i + 1}`).toBe(200);
        expect(res.headers["x-ratelimit-limit"]).toBeUndefined();
      }
    }
  });

  it("keys on the connection's address without TRUST_PROXY: a forged X-Forwarded-For gets no fresh budget", async () => {
    const direct = await startIngress({ env: { PUBLIC_RATE_LIMIT_MAX: String(MAX) } });
    started.push(direct);
    const status = GROUPS["deletion-status"]![0]!;
    for (let i = 0; i < MAX; i++) expect((await call(direct, status, nextAddress())).statusCode).not.toBe(429);
    expectLimited(await call(direct, status, nextAddress()), 60, "forged address");
  });

  it("lets the address in again once its window has passed", async () => {
    const short = await startIngress({ env: { PUBLIC_RATE_LIMIT_MAX: "1", PUBLIC_RATE_LIMIT_WINDOW_MS: "300" } });
    started.push(short);
    const status = GROUPS["deletion-status"]![0]!;
    expect((await call(short, status)).statusCode).not.toBe(429);
    // A 300 ms window: on a slow machine it may already have passed, so only a 429 is checked for its shape.
    const second = await call(short, status);
    if (second.statusCode === 429) expectLimited(second, 1, "second");
    await waitFor(async () => (await call(short, status)).statusCode !== 429, { what: "the window to pass" });
  });
});

describe("rate limit settings", () => {
  const base = { APP_SECRET: "secret-secret", VERIFY_TOKEN: "verify-token" };

  it("default to 60 requests per minute (600 for Meta's callbacks) and refuse a limit that is not a positive integer", () => {
    const env = parseEnv(IngressEnv, base);
    expect([env.PUBLIC_RATE_LIMIT_MAX, env.META_CALLBACK_RATE_LIMIT_MAX, env.PUBLIC_RATE_LIMIT_WINDOW_MS]).toEqual([
      60, 600, 60_000,
    ]);
    for (const bad of ["0", "-1", "1.5", "lots"]) {
      expect(IngressEnv.safeParse({ ...base, PUBLIC_RATE_LIMIT_MAX: bad }).success, bad).toBe(false);
      expect(IngressEnv.safeParse({ ...base, META_CALLBACK_RATE_LIMIT_MAX: bad }).success, bad).toBe(false);
      expect(IngressEnv.safeParse({ ...base, PUBLIC_RATE_LIMIT_WINDOW_MS: bad }).success, bad).toBe(false);
    }
  });
});

describe("secrets", () => {
  it("appear in no answer and no log line", () => {
    expect(answers.length).toBeGreaterThan(50);
    const leaks = leakedHarnessSecrets(answers, logLines);
    expect(leaks).toEqual([]);
  });
});
