import { commonEnv, optionalString, port, positiveInt, requiredSecret } from "@igdm/runtime";
import { z } from "zod";

export const IngressEnv = z.object({
  ...commonEnv,
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
  /** Behind a load balancer, trust X-Forwarded-For for client addresses in logs. */
  TRUST_PROXY: z.stringbool().default(false),
});
export type IngressEnv = z.infer<typeof IngressEnv>;
