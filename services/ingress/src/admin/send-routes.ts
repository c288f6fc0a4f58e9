import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { badRequest, parse, upstreamError } from "./admin-http.js";
import type { AdminRelay } from "./admin-relay.js";

const MAX_TEXT_BYTES = 1000;

export const MetaIdParam = z.string().regex(/^[A-Za-z0-9]{1,256}$/, "must be 1 to 256 letters or digits");
const PageParams = z.object({ page_id: MetaIdParam });
const CommandParams = z.object({ command_id: z.string().min(1).max(512) });
const SendBody = z.object({
  recipient_id: MetaIdParam,
  text: z
    .string()
    .min(1, "must not be empty")
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_TEXT_BYTES, `must be at most ${MAX_TEXT_BYTES} UTF-8 bytes`),
});

function isJson(req: FastifyRequest): boolean {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

const requireJson = async (req: FastifyRequest, _reply: FastifyReply) => {
  if (!isJson(req)) throw badRequest("content-type must be application/json");
};

/** Manual sends: queued by the responder (which checks the 24-hour window), their outcome kept by the persister. */
export function sendRoutes(app: FastifyInstance, relay: AdminRelay): void {
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
}
