import {
  commonEnv,
  fromEnv,
  OPS_PORTS,
  opsEnv,
  optionalString,
  port,
  positiveInt,
  requiredSecret,
} from "@igdm/runtime";
import { z } from "zod";

export const IngressEnv = z.object({
  ...commonEnv,
  ...opsEnv(OPS_PORTS.ingress),
  PORT: port(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Meta app secret: verifies X-Hub-Signature-256. */
  APP_SECRET: requiredSecret(8),
  /** Instagram app secret (Instagram Login apps); deliveries signed with either secret are accepted. */
  INSTAGRAM_APP_SECRET: optionalString(),
  /** The token typed into Meta's dashboard for the webhook handshake. */
  VERIFY_TOKEN: requiredSecret(8),
  /** Meta batches up to 1000 updates in one POST; larger bodies get 413. */
  BODY_LIMIT_BYTES: positiveInt(4 * 1024 * 1024),
  /** Longest wait for JetStream's ack before answering 503; well inside Meta's 5-second deadline. */
  PUBLISH_TIMEOUT_MS: positiveInt(2000),
  /** Longest wait for token-refresher while connecting an account (it calls Meta several times). */
  AUTH_TIMEOUT_MS: positiveInt(20_000),
  /** Slow clients are cut off after this long. */
  REQUEST_TIMEOUT_MS: positiveInt(10_000),
  /**
   * Behind a load balancer, trust X-Forwarded-For for client addresses (logs and the public rate limits). Every hop
   * is trusted: the left-most address counts, so the load balancer must overwrite the header, not append to it, or
   * a client can pick its own address (and a fresh rate-limit budget).
   */
  TRUST_PROXY: z.stringbool().default(false),
  /**
   * Requests one client address may make to each group of public routes (the OAuth routes, Meta's user callbacks,
   * the deletion status page) per window; over it, 429 with Retry-After. Counted in memory, so the limit is per
   * replica: a global limit belongs at the load balancer. POST and GET /webhook are never limited (Meta's deliveries
   * must not be throttled; the signature check guards them), nor /health, /ready or /privacy.
   */
  PUBLIC_RATE_LIMIT_MAX: positiveInt(60),
  PUBLIC_RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  /**
   * The budget of Meta's user callbacks (data deletion, deauthorize) per address and window instead: they come from
   * Meta's few servers, in bursts when many people remove the app at once, and a refused one may not be sent again.
   */
  META_CALLBACK_RATE_LIMIT_MAX: positiveInt(600),
  /** The admin server (manual sends, send status): its own port, bound to localhost unless configured. */
  ADMIN_PORT: port(3001),
  // Blank counts as unset: an empty host would make node listen on every interface.
  ADMIN_HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().default("127.0.0.1")),
  /** Bearer token for every admin route; unset: the admin server is not started. */
  ADMIN_TOKEN: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.string().min(24, "must be at least 24 characters").optional(),
  ),
  /**
   * Longest wait for the persister or the responder to answer an admin request or the deletion status page; a
   * service that is subscribed but does not answer in time gives 504.
   */
  RPC_TIMEOUT_MS: positiveInt(5000),
  /**
   * Public base URL (`https://host[/prefix]`) for links handed to Meta (the data-deletion status page). Unset: the
   * request's own protocol and host (X-Forwarded-Proto/Host when TRUST_PROXY is on).
   */
  PUBLIC_URL: fromEnv(
    z
      .url({ protocol: /^https?$/, error: "must be an http or https URL" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
  ),
  /** Who runs this deployment, named on the privacy page. */
  OPERATOR_NAME: fromEnv(z.string().trim().min(1).max(200).optional()),
  /** Where people write about their data, shown on the privacy page. */
  OPERATOR_CONTACT_EMAIL: fromEnv(z.email("must be an email address").optional()),
});
export type IngressEnv = z.infer<typeof IngressEnv>;
