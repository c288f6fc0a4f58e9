export * from "./client.js";
export * from "./config.js";
export * from "./env.js";
export * from "./errors.js";
export type {
  AccessTokenResult,
  FacebookPage,
  FacebookUser,
  PageSubscription,
  TokenDebugInfo,
} from "./facebook-login.js";
export type { IgLongLivedToken, IgShortLivedToken, IgUser } from "./instagram-login.js";
export type { LoginType, SendResult, SendTextInput } from "./send.js";
