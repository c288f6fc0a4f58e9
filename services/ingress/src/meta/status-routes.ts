import type { DeletionStatusReply } from "@igdm/contracts";
import type { FastifyInstance, FastifyReply, onRequestAsyncHookHandler } from "fastify";
import { sendHtml } from "../html.js";
import { RELAY_STATUS } from "../relay-call.js";
import { CONFIRMATION_CODE } from "./confirmation-code.js";
import type { DeletionStatusRelay } from "./deletion-status-relay.js";
import {
  deletionStatusPage,
  deletionUnavailablePage,
  deletionUnknownPage,
  type Operator,
  privacyPage,
  type Retention,
} from "./pages.js";

export interface StatusRouteOptions {
  relay: DeletionStatusRelay;
  operator: Operator;
  retention: Retention;
  /** Guards the status page, which asks the persister on every request; the static privacy page is not limited. */
  rateLimit: onRequestAsyncHookHandler;
}

/** Which HTTP status a persister error code becomes; anything unexpected is a 502. */
const STATUS: Record<string, number> = {
  ...RELAY_STATUS,
  IGDM_ERR_NOT_FOUND: 404,
  // The persister refusing the code's shape: no such request either.
  IGDM_ERR_BAD_REQUEST: 404,
};

/**
 * JSON when the client lists application/json before text/html (or without it); a browser's Accept lists
 * text/html first. Quality values are not weighed: Meta and browsers do not need them.
 */
function wantsJson(accept: string | undefined): boolean {
  const types = (accept ?? "").split(",").map((t) => t.split(";")[0]!.trim().toLowerCase());
  const json = types.indexOf("application/json");
  const html = types.indexOf("text/html");
  return json >= 0 && (html < 0 || json < html);
}

const unknownCode = { code: "IGDM_ERR_NOT_FOUND", message: "no data-deletion request has this confirmation code" };

function jsonAnswer(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).header("cache-control", "no-store").send(body);
}

function answerError(reply: FastifyReply, json: boolean, status: number, error: { code: string; message: string }) {
  if (json) return jsonAnswer(reply, status, { error });
  return sendHtml(reply, status, status === 404 ? deletionUnknownPage() : deletionUnavailablePage());
}

/** The data-deletion status page Meta links people to, and the privacy policy. */
export function statusRoutes(app: FastifyInstance, opts: StatusRouteOptions): void {
  const limited = { onRequest: opts.rateLimit };
  app.get<{ Params: { code: string } }>("/meta/data-deletion/:code", limited, async (req, reply) => {
    const json = wantsJson(req.headers.accept);
    reply.header("vary", "Accept");
    const { code } = req.params;
    if (!CONFIRMATION_CODE.test(code)) return answerError(reply, json, 404, unknownCode);

    const answer: DeletionStatusReply = await opts.relay.deletionStatus(code);
    if (!answer.ok) {
      const status = STATUS[answer.code] ?? 502;
      if (status !== 404) req.log.warn({ code: answer.code }, "deletion status unavailable");
      const error =
        status === 404
          ? unknownCode
          : status === 504
            ? { code: answer.code, message: "the status did not arrive in time; try again shortly" }
            : { code: status === 503 ? answer.code : "IGDM_ERR_UPSTREAM", message: "status temporarily unavailable" };
      return answerError(reply, json, status, error);
    }
    if (json) {
      return jsonAnswer(reply, 200, {
        confirmation_code: answer.confirmationCode,
        status: answer.status,
        requested_at: answer.requestedAt,
        completed_at: answer.completedAt,
        deleted: answer.deleted,
      });
    }
    return sendHtml(reply, 200, deletionStatusPage(answer, opts.operator));
  });

  // The policy changes only with the configuration: browsers and Meta's reviewers may cache it briefly.
  const policy = privacyPage(opts.operator, opts.retention);
  app.get("/privacy", async (_req, reply) => sendHtml(reply, 200, policy, "public, max-age=300"));
}
