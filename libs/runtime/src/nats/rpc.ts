import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { errorMessage, IgdmError } from "../errors.js";

const encoder = new TextEncoder();

/** An error answered to the caller as `{ ok: false, code, message }`; anything else is answered as internal. */
export class RpcFailure extends IgdmError {}

/**
 * Answers requests on `subject` as one queue group (replicas share the load). The request is parsed with its
 * schema (a bad one is answered IGDM_ERR_BAD_REQUEST), the reply validated before it is sent; a thrown RpcFailure
 * becomes a typed error answer, anything else IGDM_ERR_INTERNAL with the details in the log only.
 */
export function serveRpc<Req extends z.ZodType, Rep extends z.ZodType>(opts: {
  nc: NatsConnection;
  subject: string;
  queue: string;
  request: Req;
  reply: Rep;
  log: Logger;
  handle: (req: z.output<Req>) => Promise<z.input<Rep>>;
}): Subscription {
  const { nc, log } = opts;
  const sub = nc.subscribe(opts.subject, { queue: opts.queue });
  const answer = (m: { respond(data: Uint8Array): boolean }, body: unknown) =>
    m.respond(encoder.encode(JSON.stringify(body)));
  void (async () => {
    for await (const m of sub) {
      void (async () => {
        let parsed: unknown;
        try {
          parsed = m.json();
        } catch {
          return answer(m, { ok: false, code: "IGDM_ERR_BAD_REQUEST", message: "request is not JSON" });
        }
        const req = opts.request.safeParse(parsed);
        if (!req.success) {
          const issues = req.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
          return answer(m, { ok: false, code: "IGDM_ERR_BAD_REQUEST", message: issues });
        }
        try {
          answer(m, opts.reply.parse(await opts.handle(req.data)));
        } catch (err) {
          if (err instanceof RpcFailure) return answer(m, { ok: false, code: err.code, message: err.message });
          log.error({ err, subject: opts.subject }, "request failed");
          answer(m, { ok: false, code: "IGDM_ERR_INTERNAL", message: "internal error" });
        }
      })();
    }
  })();
  return sub;
}

/** Sends a typed request and parses the typed answer; a timeout or no responder is an RpcFailure too. */
export async function requestRpc<Req extends z.ZodType, Rep extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  schemas: { request: Req; reply: Rep },
  body: z.input<Req>,
  timeoutMs: number,
): Promise<z.output<Rep>> {
  let raw: unknown;
  try {
    const m = await nc.request(subject, encoder.encode(JSON.stringify(schemas.request.parse(body))), {
      timeout: timeoutMs,
    });
    raw = m.json();
  } catch (err) {
    throw new RpcFailure("IGDM_ERR_UNAVAILABLE", `no answer on ${subject}: ${errorMessage(err)}`, { cause: err });
  }
  return schemas.reply.parse(raw);
}
