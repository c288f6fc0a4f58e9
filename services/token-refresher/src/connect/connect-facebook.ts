import type { AccountEvent, ConnectAccountReply } from "@igdm/contracts";
import { SUBSCRIBED_FIELDS } from "../subscribed-fields.js";
import type { ConnectArgs, ConnectOutcome } from "./connect-args.js";

const expiry = (now: Date, expiresIn?: number) =>
  expiresIn ? new Date(now.getTime() + expiresIn * 1000).toISOString() : null;

/**
 * Facebook Login: code -> short-lived -> long-lived user token, the user's pages with their tokens and Instagram
 * accounts, each page subscribed to our webhook fields. Returns the events to publish (tokens encrypted) and the
 * summary shown to the person; event ids derive from the login attempt, so a retried connect de-duplicates.
 */
export async function connectFacebook(opts: ConnectArgs): Promise<ConnectOutcome> {
  const { graph, cipher, attemptId } = opts;
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const short = await graph.exchangeCode(opts.code, opts.redirectUri);
  const long = await graph.exchangeForLongLivedUserToken(short.accessToken);
  const user = await graph.me(long.accessToken);
  const info = await graph.debugToken(long.accessToken);
  const pages = await graph.listPages(long.accessToken);

  const events: AccountEvent[] = [
    {
      v: 1,
      id: `user_connected:${user.id}:${attemptId}`,
      occurredAt: at,
      kind: "user_connected",
      userId: user.id,
      ...(user.name ? { name: user.name } : {}),
      accessTokenEnc: cipher.encrypt(long.accessToken),
      tokenExpiresAt: info.expiresAt?.toISOString() ?? expiry(now, long.expiresIn),
      scopes: info.scopes,
    },
  ];
  const summary: Extract<ConnectAccountReply, { ok: true }>["pages"] = [];
  for (const page of pages) {
    events.push({
      v: 1,
      id: `page_connected:${page.id}:${attemptId}`,
      occurredAt: at,
      kind: "page_connected",
      pageId: page.id,
      userId: user.id,
      ...(page.name ? { name: page.name } : {}),
      accessTokenEnc: cipher.encrypt(page.accessToken),
    });
    if (page.instagramAccount) {
      events.push({
        v: 1,
        id: `instagram_account_linked:${page.instagramAccount.id}:${attemptId}`,
        occurredAt: at,
        kind: "instagram_account_linked",
        igId: page.instagramAccount.id,
        ...(page.instagramAccount.username ? { username: page.instagramAccount.username } : {}),
        loginType: "facebook",
        pageId: page.id,
        userId: user.id,
      });
    }
    await graph.subscribePage(page.id, page.accessToken, SUBSCRIBED_FIELDS);
    const subscription = await graph.pageSubscription(page.id, page.accessToken);
    events.push({
      v: 1,
      id: `page_subscription:${page.id}:${attemptId}`,
      occurredAt: at,
      kind: "page_subscription",
      pageId: page.id,
      subscribed: subscription.subscribed,
      fields: subscription.fields,
      resubscribed: false,
    });
    summary.push({
      id: page.id,
      ...(page.name ? { name: page.name } : {}),
      subscribed: subscription.subscribed,
      ...(page.instagramAccount ? { instagramAccount: page.instagramAccount } : {}),
    });
  }
  return {
    events,
    reply: {
      ok: true,
      user: { id: user.id, ...(user.name ? { name: user.name } : {}) },
      pages: summary,
      instagramAccounts: [],
    },
  };
}
