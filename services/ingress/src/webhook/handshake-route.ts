import { constantTimeEquals } from "@igdm/runtime";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errors } from "../http-error.js";

const HandshakeQuery = z.object({
  "hub.mode": z.literal("subscribe"),
  "hub.verify_token": z.string().min(1),
  // Echoed back verbatim: keep it to the characters Meta uses so nothing else can be reflected.
  "hub.challenge": z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
});

/** Meta's subscription handshake: echo the challenge when the verify token matches, else 403. */
export function handshakeRoute(app: FastifyInstance, verifyToken: string): void {
  app.get("/webhook", async (req, reply) => {
    const query = HandshakeQuery.safeParse(req.query);
    if (!query.success || !constantTimeEquals(query.data["hub.verify_token"], verifyToken)) {
      req.log.warn(
        { reason: query.success ? "verify token mismatch" : "invalid handshake query" },
        "handshake rejected",
      );
      throw errors.handshakeRejected();
    }
    req.log.info("webhook handshake verified");
    return reply.type("text/plain").send(query.data["hub.challenge"]);
  });
}
