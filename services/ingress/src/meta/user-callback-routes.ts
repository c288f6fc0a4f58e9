import type { DataDeletionCallback, DeauthorizeCallback } from "@igdm/contracts";
import { verifySignedRequest } from "@igdm/meta";
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { errors, HttpError } from "../http-error.js";
import type { WebhookSink } from "../webhook/sink.js";
import { deletionConfirmationCode, userCallbackId } from "./confirmation-code.js";

/** A signed_request is a few hundred bytes; the form around it is refused beyond this. */
export const USER_CALLBACK_BODY_LIMIT_BYTES = 8 * 1024;

export interface UserCallbackRouteOptions {
  /** Every configured app secret, named as the callback's `app` field names them. */
  secrets: ReadonlyArray<{ name: "facebook" | "instagram"; secret: string }>;
  sink: WebhookSink;
  /** PUBLIC_URL without a trailing slash; unset: the request's own protocol and host. */
  publicUrl?: string;
  /** Runs before the body is read: a flood is refused before any signature is checked. */
  rateLimit: onRequestAsyncHookHandler;
}

const signedRequestError = (message: string) => new HttpError(400, "IGDM_ERR_SIGNED_REQUEST", message);

/** The `signed_request` field of a form (Meta's way) or a JSON object; exactly one, a string. */
function signedRequestOf(body: unknown): string {
  let values: unknown[] = [];
  if (body instanceof URLSearchParams) values = body.getAll("signed_request");
  else if (body !== null && typeof body === "object" && "signed_request" in body) values = [body.signed_request];
  if (values.length === 0) throw signedRequestError("signed_request is required");
  const [value] = values;
  if (values.length > 1 || typeof value !== "string" || value === "") {
    throw signedRequestError("signed_request must be given once, as a string");
  }
  return value;
}

/** host[:port], a bracketed IPv6 address, nothing that could smuggle a path or markup into the link. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function baseUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  // fastify reads X-Forwarded-Proto/Host only when trustProxy (TRUST_PROXY) is on.
  if (!HOST.test(req.host)) throw new HttpError(400, "IGDM_ERR_BAD_REQUEST", "the Host header is invalid");
  return `${req.protocol}://${req.host}`;
}

/**
 * Meta's deauthorize and data-deletion callbacks. The signed_request is verified against every app secret before
 * anything else; only what it says (user id, time, which app) is published, into the WEBHOOKS stream with the
 * callback's id as the message id, and the answer is sent after JetStream's ack: a 200 means durable, and Meta
 * retrying the same request stores it once and gets the same answer. The persister does the work.
 */
export async function userCallbackRoutes(app: FastifyInstance, opts: UserCallbackRouteOptions): Promise<void> {
  // This plugin's scope only: small forms (Meta's way) or JSON, nothing else.
  app.removeAllContentTypeParsers();
  const limits = { parseAs: "string", bodyLimit: USER_CALLBACK_BODY_LIMIT_BYTES } as const;
  app.addContentTypeParser("application/x-www-form-urlencoded", limits, (_req, body: string, done) =>
    done(null, new URLSearchParams(body)),
  );
  app.addContentTypeParser("application/json", limits, (_req, body: string, done) => {
    try {
      done(null, JSON.parse(body));
    } catch {
      done(new HttpError(400, "IGDM_ERR_BAD_REQUEST", "body is not valid JSON"), undefined);
    }
  });

  /** Verifies the request and builds what both callbacks share; throws the 400 or 503 to answer. */
  function verified(req: FastifyRequest, kind: "deauthorize" | "data_deletion") {
    const signedRequest = signedRequestOf(req.body);
    const verdict = verifySignedRequest(signedRequest, opts.secrets);
    if (!verdict.ok) {
      // The reason only: never the signed_request itself.
      req.log.warn({ kind, reason: verdict.reason }, "user callback rejected");
      throw signedRequestError(`invalid signed_request: ${verdict.detail}`);
    }
    if (!opts.sink.available) throw errors.brokerUnavailable();
    const secret = opts.secrets.find((s) => s.name === verdict.secretName)!.secret;
    const base = {
      v: 1 as const,
      id: userCallbackId(signedRequest),
      userId: verdict.payload.userId,
      app: verdict.secretName,
      issuedAt: new Date(verdict.payload.issuedAt * 1000).toISOString(),
      receivedAt: new Date().toISOString(),
    };
    return { signedRequest, secret, base };
  }

  async function store(req: FastifyRequest, callback: DeauthorizeCallback | DataDeletionCallback): Promise<void> {
    try {
      const ack = await opts.sink.publishUserCallback(callback);
      req.log.info(
        { kind: callback.kind, callbackId: callback.id, app: callback.app, seq: ack.seq, duplicate: ack.duplicate },
        "user callback stored",
      );
    } catch (err) {
      req.log.error({ err, kind: callback.kind, callbackId: callback.id }, "user callback not stored; answering 503");
      throw err;
    }
  }

  app.post("/meta/data-deletion", { onRequest: opts.rateLimit }, async (req, reply) => {
    const { signedRequest, secret, base } = verified(req, "data_deletion");
    const confirmationCode = deletionConfirmationCode(signedRequest, secret);
    const url = `${baseUrl(req, opts.publicUrl)}/meta/data-deletion/${confirmationCode}`;
    await store(req, { ...base, kind: "data_deletion", confirmationCode });
    return reply.header("cache-control", "no-store").send({ url, confirmation_code: confirmationCode });
  });

  app.post("/meta/deauthorize", { onRequest: opts.rateLimit }, async (req, reply) => {
    const { base } = verified(req, "deauthorize");
    await store(req, { ...base, kind: "deauthorize" });
    return reply.header("cache-control", "no-store").send({ status: "ok" });
  });
}
