import { SIGNATURE_HEADER, signatureHeaderProblem, verifyWebhookSignature } from "@igdm/meta";
import type { FastifyInstance } from "fastify";
import { errors } from "../http-error.js";
import { countPublished, countRejection, countUnavailable, type IngressStats, webhookMetrics } from "../stats.js";
import { toRawWebhook } from "./raw-webhook.js";
import type { WebhookSink } from "./sink.js";

export interface ReceiveRouteOptions {
  secrets: ReadonlyArray<{ name: "app" | "instagram"; secret: string }>;
  bodyLimit: number;
  sink: WebhookSink;
  stats: IngressStats;
}

const PARSER_REJECTIONS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
};

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
        webhookMetrics.received.inc();
        const problem = signatureHeaderProblem(req.headers[SIGNATURE_HEADER]);
        if (!problem) return;
        countRejection(opts.stats, `signature_${problem}`);
        req.log.warn({ reason: `signature ${problem}` }, "webhook rejected");
        throw problem === "missing" ? errors.signatureMissing() : errors.signatureMalformed();
      },
      // Refused by fastify's body parsing, before the handler runs.
      onError: async (_req, _reply, error) => {
        const reason = PARSER_REJECTIONS[(error as { code?: string }).code ?? ""];
        if (reason) countRejection(opts.stats, reason);
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
        countUnavailable(opts.stats);
        throw errors.brokerUnavailable();
      }
      const raw = toRawWebhook(req, body, verdict.secretName);
      const endTimer = webhookMetrics.publishDuration.startTimer();
      try {
        const ack = await opts.sink.publish(raw);
        endTimer();
        countPublished(opts.stats, ack.duplicate);
        req.log.debug({ eventId: raw.id, seq: ack.seq, duplicate: ack.duplicate }, "webhook stored");
      } catch (err) {
        endTimer();
        countUnavailable(opts.stats);
        req.log.error({ err, eventId: raw.id }, "webhook not stored; answering 503 so Meta retries");
        throw err;
      }
      return reply.type("text/plain").send("EVENT_RECEIVED");
    },
  );
}
