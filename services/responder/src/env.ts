import { TokenEncryptionKeys } from "@igdm/crypto";
import { graphApiEnv } from "@igdm/meta";
import { commonEnv, fromEnv, OPS_PORTS, opsEnv, optionalString, positiveInt } from "@igdm/runtime";
import { z } from "zod";

export const ResponderEnv = z.object({
  ...commonEnv,
  ...opsEnv(OPS_PORTS.responder),
  /** Decrypts the page and Instagram tokens the persister hands out (same keys as token-refresher). */
  TOKEN_ENCRYPTION_KEYS: fromEnv(TokenEncryptionKeys),
  APP_ID: optionalString(),
  ...graphApiEnv,
  /** The answer when no keyword rule matches and the account has no default rule of its own. */
  DEFAULT_REPLY_TEXT: fromEnv(z.string().min(1).default("Thanks for your message!")),
  /** At most one default (non-keyword) reply per conversation in this many seconds. */
  REPLY_COOLDOWN_SECONDS: positiveInt(86_400),
  /** Sends per second per account (Meta allows about 100 text messages per second). */
  SEND_RATE_PER_SECOND: positiveInt(100),
  /** How long an account's rules are cached; edits in the database apply within this time, no restart. */
  RULES_CACHE_SECONDS: positiveInt(15),
  /** How long an account's sending credential is cached (dropped at once when Meta rejects the token). */
  CREDENTIALS_CACHE_SECONDS: positiveInt(300),
  /** Messages answered concurrently per batch; a batch is acked once all of its messages are settled. */
  RESPONDER_MAX_BATCH: positiveInt(20),
  /**
   * Batches in flight at once. Each answer waits on a few network round trips (KV claims, the Send API), so
   * throughput comes from answering many at once; a slow one holds back only its own batch.
   */
  RESPONDER_CONCURRENCY: positiveInt(5),
});
export type ResponderEnv = z.infer<typeof ResponderEnv>;
