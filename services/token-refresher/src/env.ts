import { TokenEncryptionKeys } from "@igdm/crypto";
import { graphApiEnv } from "@igdm/meta";
import {
  commonEnv,
  fromEnv,
  OPS_PORTS,
  opsEnv,
  optionalString,
  positiveInt,
  requiredSecret,
  requiredString,
  urlDefault,
} from "@igdm/runtime";
import { z } from "zod";

export const TokenRefresherEnv = z.object({
  ...commonEnv,
  ...opsEnv(OPS_PORTS["token-refresher"]),
  /** Meta app (Facebook Login). */
  APP_ID: requiredString(),
  APP_SECRET: requiredSecret(8),
  /** Instagram app (Instagram Login); without them that flow is refused. */
  INSTAGRAM_APP_ID: optionalString(),
  INSTAGRAM_APP_SECRET: optionalString(),
  /** The OAuth callback Meta redirects to: ingress's /auth/callback, exactly as registered with Meta. */
  REDIRECT_URI: fromEnv(z.url({ error: "must be the absolute URL of ingress's /auth/callback" })),
  /** `kid:base64key[,kid:base64key…]`, 32-byte keys, the first encrypts; older ones stay for reading. */
  TOKEN_ENCRYPTION_KEYS: fromEnv(TokenEncryptionKeys),
  ...graphApiEnv,
  FACEBOOK_DIALOG_BASE_URL: urlDefault("https://www.facebook.com"),
  INSTAGRAM_API_BASE_URL: urlDefault("https://api.instagram.com"),
  INSTAGRAM_DIALOG_BASE_URL: urlDefault("https://www.instagram.com"),
  /** How long a login may take between /auth/login and the callback. */
  OAUTH_STATE_TTL_SECONDS: positiveInt(600),
  /** The refresh pass runs once per interval (daily by default), on one replica however many run. */
  REFRESH_INTERVAL_SECONDS: positiveInt(86_400),
  /** User tokens expiring within this many days are exchanged for fresh ones. */
  REFRESH_LEAD_DAYS: positiveInt(10),
});
export type TokenRefresherEnv = z.infer<typeof TokenRefresherEnv>;
