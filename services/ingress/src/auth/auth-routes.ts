import type { FastifyInstance, FastifyReply, onRequestAsyncHookHandler } from "fastify";
import { z } from "zod";
import { sendHtml } from "../html.js";
import { connectedPage, errorPage } from "./pages.js";
import type { AuthRelay } from "./relay.js";

const LoginQuery = z.object({ flow: z.enum(["facebook", "instagram"]).default("facebook") });
const CallbackQuery = z.object({
  state: z.string().max(256).optional(),
  code: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});

/** Which HTTP status a token-refresher error code becomes. */
const STATUS: Record<string, number> = {
  IGDM_ERR_OAUTH_STATE: 400,
  IGDM_ERR_BAD_REQUEST: 400,
  IGDM_ERR_FLOW_DISABLED: 404,
  IGDM_ERR_META_REFUSED: 502,
  IGDM_ERR_META_UNAVAILABLE: 503,
  IGDM_ERR_UNAVAILABLE: 503,
  IGDM_ERR_UPSTREAM_TIMEOUT: 504,
};

// The callback URL carries a one-time code: never cached, never leaked in a Referer (sendHtml sees to both).
const html = (reply: FastifyReply, status: number, body: string) => sendHtml(reply, status, body);

/**
 * The OAuth entry points. Both relay to token-refresher, which owns the one-time state, the app credentials and
 * the tokens; ingress only redirects the browser and renders the outcome. `rateLimit` guards both: each request
 * costs a round trip to token-refresher (and the callback several calls to Meta).
 */
export function authRoutes(app: FastifyInstance, relay: AuthRelay, rateLimit: onRequestAsyncHookHandler): void {
  app.get("/auth/login", { onRequest: rateLimit }, async (req, reply) => {
    const query = LoginQuery.safeParse(req.query);
    if (!query.success) return html(reply, 400, errorPage("Cannot start login", "Unknown login flow."));
    const answer = await relay.beginLogin(query.data.flow);
    if (!answer.ok) {
      req.log.warn({ code: answer.code }, "login not started");
      return html(reply, STATUS[answer.code] ?? 500, errorPage("Cannot start login", answer.message));
    }
    return reply.header("cache-control", "no-store").redirect(answer.url, 302);
  });

  app.get("/auth/callback", { onRequest: rateLimit }, async (req, reply) => {
    const query = CallbackQuery.safeParse(req.query);
    if (!query.success) return html(reply, 400, errorPage("Login failed", "The login answer was malformed."));
    const { state, code, error, error_description } = query.data;
    if (error) {
      return html(reply, 400, errorPage("Login cancelled", error_description ?? "Access was not granted."));
    }
    if (!state || !code)
      return html(reply, 400, errorPage("Login failed", "The login answer lacks its code or state."));
    const answer = await relay.connect(state, code);
    if (!answer.ok) {
      req.log.warn({ code: answer.code }, "connect failed");
      return html(reply, STATUS[answer.code] ?? 500, errorPage("Login failed", answer.message));
    }
    return html(reply, 200, connectedPage(answer));
  });
}
