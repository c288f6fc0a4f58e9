export { type ConsentForm, completeSandboxLogin, parseConsentForm } from "./consent.js";
export { MetaError, type MetaErrorName, type MetaErrorSpec, metaErrors } from "./errors.js";
export type { DelaySpec, Fault, FaultMatch, PendingFault } from "./faults.js";
export type { AuthorizationCode, LoginProvider } from "./oauth-codes.js";
export {
  defaultSeed,
  SANDBOX_BLOG_PAGE_ID,
  SANDBOX_CREATOR_IG_SCOPED_ID,
  SANDBOX_CREATOR_IG_USER_ID,
  SANDBOX_SHOP_IG_ID,
  SANDBOX_SHOP_PAGE_ID,
  SANDBOX_USER_ID,
  type SandboxSeed,
  type SeedInstagramAccount,
  type SeedInstagramBusinessAccount,
  type SeedPage,
  type SeedUser,
} from "./seed.js";
export { MAX_TEXT_BYTES } from "./send.js";
export {
  buildSandboxServer,
  type MetaSandbox,
  type MetaSandboxOptions,
  type MetaSandboxUrls,
  SANDBOX_DEFAULTS,
  sandboxEnv,
  startMetaSandbox,
} from "./server.js";
export {
  type IgTokenResponseStyle,
  type SandboxConfig,
  type SandboxHost,
  type SandboxIgAccount,
  type SandboxPage,
  type SandboxRequest,
  SandboxState,
  type SandboxUser,
  type SentMessage,
  type SubscriptionCall,
} from "./state.js";
export { SUBSCRIBABLE_FIELDS } from "./subscriptions.js";
export { IG_REFRESH_MIN_AGE_SECONDS, type SandboxToken, TOKEN_LIFETIME_SECONDS, type TokenKind } from "./tokens.js";
