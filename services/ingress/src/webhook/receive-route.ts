import { SIGNATURE_HEADER, signatureHeaderProblem, verifyWebhookSignature } from "@igdm/meta";
import type { FastifyInstance } from "fastify";
import { errors } from "../http-error.js";
import { countRejection, type IngressStats } from "../stats.js";
import { toRawWebhook } from "./raw-webhook.js";
import type { WebhookSink } from "./sink.js";

export interface ReceiveRouteOptions {
  secrets: ReadonlyArray<{ name: "app" | "instagram"; secret: string }>;
  bodyLimit: number;
  sink: WebhookSink;
  stats: IngressStats;
}

/**
 * POST /webhook: verify the signature over the raw bytes, then answer 200 only once JetStream has acknowledged
 * the event. Unsigned requests are refused before their body is read; nothing unverified is ever published.
 */
export async function receiveRoute(app: FastifyInstance, opts: ReceiveRouteOptions): Promise<void> {
  // This plugin's scope only: keep the body as raw bytes (the signature covers them), accept JSON only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: opts.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    "/webhook",
    {
      onRequest: async (req) => {
        const problem = signatureHeaderProblem(req.headers[SIGNATURE_HEADER]);
        if (!problem) return;
        countRejection(opts.stats, `signature_${problem}`);
        req.log.warn({ reason: `signature ${problem}` }, "webhook rejected");
        throw problem === "missing" ? errors.signatureMissing() : errors.signatureMalformed();
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        countRejection(opts.stats, "empty_body");
        throw errors.emptyBody();
      }
      const verdict = verifyWebhookSignature(body, req.headers[SIGNATURE_HEADER], opts.secrets);
      if (!verdict.ok) {
        countRejection(opts.stats, `signature_${verdict.reason}`);
        req.log.warn({ reason: `signature ${verdict.reason}`, bytes: body.length }, "webhook rejected");
        throw errors.signatureMismatch();
      }
      if (!opts.sink.available) {
        opts.stats.unavailable++;
        throw errors.brokerUnavailable();
      }
      const raw = toRawWebhook(req, body, verdict.secretName);
      try {
        const ack = await opts.sink.publish(raw);
        if (ack.duplicate) opts.stats.duplicates++;
        else opts.stats.accepted++;
        req.log.debug({ eventId: raw.id, seq: ack.seq, duplicate: ack.duplicate }, "webhook stored");
      } catch (err) {
        opts.stats.unavailable++;
        req.log.error({ err, eventId: raw.id }, "webhook not stored; answering 503 so Meta retries");
        throw err;
      }
      return reply.type("text/plain").send("EVENT_RECEIVED");
    },
  );
}
