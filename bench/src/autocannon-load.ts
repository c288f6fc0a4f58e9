import { signatureHeaderValue } from "@igdm/meta";
import { instagramTextWebhook } from "@igdm/testkit";
import autocannon from "autocannon";
import { percentile, round } from "./stats.js";

/**
 * Signed Instagram text-message webhooks, each body distinct (JetStream de-duplicates identical bodies, which would
 * flatter ingress). Built ahead of the run so the load generator only copies bytes; a run that outgrows the pool
 * signs more on the fly and says so (`signedDuringRun`).
 */
export function signedWebhookPool(secret: string, initialSize: number) {
  const bodies: Buffer[] = [];
  const signatures: string[] = [];
  const at = Date.now();
  const add = () => {
    const i = bodies.length;
    // Meta-like ids: a base64 message id of Meta's length, a 16-digit Instagram-scoped sender id.
    const mid = `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAxOTYyNzg4MDc4OjM0MDI4MjM2Njg0MTcxMDMw${String(i).padStart(12, "0")}ZDZD`;
    const body = Buffer.from(
      instagramTextWebhook(mid, `Hi! Is the blue jacket still available in size M? (${i})`, {
        from: String(1_000_000_000_000_000 + (i % 5000)),
        at: at + i,
      }),
    );
    bodies.push(body);
    signatures.push(signatureHeaderValue(secret, body));
  };
  for (let i = 0; i < initialSize; i++) add();
  let signedDuringRun = 0;
  return {
    get size() {
      return bodies.length;
    },
    get signedDuringRun() {
      return signedDuringRun;
    },
    /** Body and signature number `i`, signing more bodies when the pool is outgrown. */
    take(i: number): { body: Buffer; signature: string } {
      while (i >= bodies.length) {
        add();
        signedDuringRun++;
      }
      return { body: bodies[i]!, signature: signatures[i]! };
    },
  };
}
export type SignedWebhookPool = ReturnType<typeof signedWebhookPool>;

export interface LoadResult {
  seconds: number;
  /** Mean requests per second over the run (answered 2xx), autocannon's per-second samples. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** From every 2xx response's own time, to a hundredth of a millisecond (autocannon's histogram keeps whole ms). */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** Bodies of the pool this run took, from `firstBody`: the bodies of the run are exactly these. */
  firstBody: number;
  bodiesTaken: number;
}

/**
 * POSTs the pool's webhooks to `url` with `connections` keep-alive connections for `seconds`, as fast as they are
 * answered (or at `overallRate`); each request takes the next body of the pool from `firstBody` on.
 */
export async function loadWithWebhooks(
  url: string,
  pool: SignedWebhookPool,
  opts: {
    connections: number;
    seconds: number;
    firstBody: number;
    /** Requests per second over all connections; as fast as answered when unset. */
    overallRate?: number;
  },
): Promise<LoadResult> {
  let next = opts.firstBody;
  const latencies: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: "POST",
        connections: opts.connections,
        duration: opts.seconds,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          "facebook-api-version": "v23.0",
        },
        requests: [
          {
            setupRequest: (req) => {
              const { body, signature } = pool.take(next++);
              // autocannon hands each call a fresh headers object: adding to it touches no other request.
              req.headers!["x-hub-signature-256"] = signature;
              req.body = body;
              return req;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const statusCodes = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count?: number }).count ?? 0]),
  );
  const ms = (p: number) => round(percentile(latencies, p), 2);
  return {
    seconds: r.duration,
    requestsPerSecond: Math.round(r.requests.average),
    ok: latencies.length,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    latencyMs: { p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: ms(100) },
    firstBody: opts.firstBody,
    bodiesTaken: next - opts.firstBody,
  };
}
