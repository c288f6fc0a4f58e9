import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { Logger } from "@igdm/runtime";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { z } from "zod";
import type { IngressEnv } from "../env.js";
import { HttpError } from "../http-error.js";
import type { AdminRelay } from "./admin-relay.js";

export interface AdminAppDeps {
  env: IngressEnv;
  log: Logger;
  relay: AdminRelay;
}

/** Admin requests are tiny: a recipient and at most 1000 bytes of text. */
const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;
const MAX_TEXT_BYTES = 1000;

const MetaIdParam = z.string().regex(/^[A-Za-z0-9]{1,256}$/, "must be 1 to 256 letters or digits");
const PageParams = z.object({ page_id: MetaIdParam });
const CommandParams = z.object({ command_id: z.string().min(1).max(512) });
const SendBody = z.object({
  recipient_id: MetaIdParam,
  text: z
    .string()
    .min(1, "must not be empty")
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_TEXT_BYTES, `must be at most ${MAX_TEXT_BYTES} UTF-8 bytes`),
});

/** Which HTTP status an error code from the responder or the persister becomes. */
const STATUS: Record<string, number> = {
  IGDM_ERR_OUTSIDE_WINDOW: 409,
  IGDM_ERR_NO_SENDER: 404,
  IGDM_ERR_NOT_FOUND: 404,
  IGDM_ERR_BAD_REQUEST: 400,
  IGDM_ERR_UNAVAILABLE: 503,
};

const badRequest = (message: string) => new HttpError(400, "IGDM_ERR_BAD_REQUEST", message);

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
}

function upstreamError(answer: { code: string; message: string }, what: string): HttpError {
  const status = STATUS[answer.code] ?? 502;
  if (status === 503) return new HttpError(503, answer.code, `${what} is temporarily unavailable`);
  return new HttpError(status, answer.code, answer.message);
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Compares digests, so neither the token's content nor its length shows in the timing. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  const same = timingSafeEqual(sha256(match?.[1] ?? ""), expected);
  return match !== null && same;
}

function isJson(req: FastifyRequest): boolean {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

/**
 * The admin server: a separate fastify instance on its own port (localhost unless configured), every route behind
 * `Authorization: Bearer <ADMIN_TOKEN>`. It relays to the responder and the persister; it holds nothing itself.
 */
export async function buildAdminApp({ env, log, relay }: AdminAppDeps): Promise<FastifyInstance> {
  if (!env.ADMIN_TOKEN) throw new Error("ADMIN_TOKEN is required to build the admin app");
  const expected = sha256(env.ADMIN_TOKEN);

  const app = Fastify({
    loggerInstance: (log as FastifyBaseLogger).child({ component: "admin" }),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    requestTimeout: env.REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
  });

  // Same contract as the public app: a stable code and a message, never a stack trace.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500 && status !== 503) req.log.error({ err }, "admin request failed");
    const message = status >= 500 ? (status === 503 ? err.message : "internal error") : err.message;
    // fastify's own client errors (malformed or empty JSON, body too large) get our codes.
    const code = err.code?.startsWith("IGDM_")
      ? err.code
      : status === 413
        ? "IGDM_ERR_BODY_TOO_LARGE"
        : status < 500
          ? "IGDM_ERR_BAD_REQUEST"
          : (err.code ?? "IGDM_ERR_INTERNAL");
    return reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: "IGDM_ERR_NOT_FOUND", message: "not found" } }),
  );

  // Runs before anything else, unknown routes included: nothing is parsed or relayed for a caller without the token.
  app.addHook("onRequest", async (req, reply) => {
    if (bearerMatches(req.headers.authorization, expected)) return;
    req.log.warn({ ip: req.ip }, "admin request without a valid token");
    return reply
      .code(401)
      .header("www-authenticate", "Bearer")
      .send({ error: { code: "IGDM_ERR_ADMIN_AUTH", message: "a valid admin bearer token is required" } });
  });

  const requireJson = async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!isJson(req)) throw badRequest("content-type must be application/json");
  };

  app.post("/send/:page_id", { onRequest: requireJson }, async (req, reply) => {
    const { page_id } = parse(PageParams, req.params);
    const body = parse(SendBody, req.body ?? {});
    const answer = await relay.send({ accountId: page_id, recipientId: body.recipient_id, text: body.text });
    if (!answer.ok) {
      req.log.warn({ code: answer.code, accountId: page_id }, "manual send refused");
      throw upstreamError(answer, "the responder");
    }
    req.log.info({ accountId: page_id, commandId: answer.commandId }, "manual send queued");
    return reply.code(202).send({
      command_id: answer.commandId,
      status: "queued",
      status_url: `/send/${encodeURIComponent(answer.commandId)}`,
    });
  });

  app.get("/send/:command_id", async (req) => {
    const { command_id } = parse(CommandParams, req.params);
    const answer = await relay.sendStatus(command_id);
    if (!answer.ok) throw upstreamError(answer, "the persister");
    return {
      command_id: answer.sendId,
      status: answer.status,
      message_id: answer.messageId,
      reason: answer.reason,
      updated_at: answer.updatedAt,
    };
  });

  return app;
}
