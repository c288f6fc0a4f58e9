import { type GraphClientConfig, resolveGraphClientConfig } from "./config.js";
import type {
  AccessTokenResult,
  FacebookPage,
  FacebookUser,
  PageSubscription,
  TokenDebugInfo,
} from "./facebook-login.js";
import * as facebook from "./facebook-login.js";
import { type GraphContext, GraphHttp } from "./http.js";
import type { IgLongLivedToken, IgShortLivedToken, IgUser } from "./instagram-login.js";
import * as instagram from "./instagram-login.js";
import type { SendResult, SendTextInput } from "./send.js";
import * as send from "./send.js";

/**
 * The one Graph API client of the project (got 13). Every answer is checked against a zod schema; every failure is a
 * `GraphApiError` whose `action` says retry / reauth / stop; GETs are retried on network errors and 5xx.
 */
export class GraphClient {
  // Private on purpose: the config holds the app secrets, and a public field would end up in some log.
  readonly #ctx: GraphContext;

  constructor(config: GraphClientConfig) {
    const resolved = Object.freeze(resolveGraphClientConfig(config));
    this.#ctx = { config: resolved, http: new GraphHttp(resolved) };
  }

  // Facebook Login

  exchangeCode(code: string, redirectUri: string): Promise<AccessTokenResult> {
    return facebook.exchangeCode(this.#ctx, code, redirectUri);
  }

  exchangeForLongLivedUserToken(shortToken: string): Promise<AccessTokenResult> {
    return facebook.exchangeForLongLivedUserToken(this.#ctx, shortToken);
  }

  me(userToken: string): Promise<FacebookUser> {
    return facebook.me(this.#ctx, userToken);
  }

  listPages(userToken: string): Promise<FacebookPage[]> {
    return facebook.listPages(this.#ctx, userToken);
  }

  debugToken(token: string): Promise<TokenDebugInfo> {
    return facebook.debugToken(this.#ctx, token);
  }

  subscribePage(pageId: string, pageToken: string, fields: string[]): Promise<void> {
    return facebook.subscribePage(this.#ctx, pageId, pageToken, fields);
  }

  pageSubscription(pageId: string, pageToken: string): Promise<PageSubscription> {
    return facebook.pageSubscription(this.#ctx, pageId, pageToken);
  }

  // Instagram Login

  igExchangeCode(code: string, redirectUri: string): Promise<IgShortLivedToken> {
    return instagram.igExchangeCode(this.#ctx, code, redirectUri);
  }

  igExchangeForLongLived(shortToken: string): Promise<IgLongLivedToken> {
    return instagram.igExchangeForLongLived(this.#ctx, shortToken);
  }

  igRefresh(token: string): Promise<IgLongLivedToken> {
    return instagram.igRefresh(this.#ctx, token);
  }

  igMe(token: string): Promise<IgUser> {
    return instagram.igMe(this.#ctx, token);
  }

  // Sending

  sendText(input: SendTextInput): Promise<SendResult> {
    return send.sendText(this.#ctx, input);
  }
}
