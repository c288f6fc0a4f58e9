import type { ConnectArgs, ConnectOutcome } from "./connect-args.js";

/**
 * Instagram Login (accounts without a Facebook page): code -> 1-hour token -> 60-day token, stored as an
 * Instagram account with its own encrypted token. Its id is `/me`'s user_id, which webhooks use as entry.id.
 */
export async function connectInstagram(opts: ConnectArgs): Promise<ConnectOutcome> {
  const { graph, cipher, attemptId } = opts;
  const now = opts.now ?? new Date();
  const short = await graph.igExchangeCode(opts.code, opts.redirectUri);
  const long = await graph.igExchangeForLongLived(short.accessToken);
  const me = await graph.igMe(long.accessToken);
  const account = { id: me.userId, ...(me.username ? { username: me.username } : {}) };
  return {
    events: [
      {
        v: 1,
        id: `instagram_account_linked:${me.userId}:${attemptId}`,
        occurredAt: now.toISOString(),
        kind: "instagram_account_linked",
        igId: me.userId,
        ...(me.username ? { username: me.username } : {}),
        ...(me.appScopedId ? { appScopedUserId: me.appScopedId } : {}),
        loginType: "instagram",
        accessTokenEnc: cipher.encrypt(long.accessToken),
        tokenExpiresAt: new Date(now.getTime() + long.expiresIn * 1000).toISOString(),
      },
    ],
    reply: { ok: true, pages: [], instagramAccounts: [account] },
  };
}
