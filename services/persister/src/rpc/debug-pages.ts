import { type DebugInstagramAccount, type DebugPage, DebugPagesReply, DebugPagesRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

type TokenStatus = "valid" | "expiring" | "invalid" | "revoked";

interface PageRow {
  id: string;
  name: string | null;
  user_id: string | null;
  subscribed: boolean;
  subscribed_fields: string[];
  last_subscribed_at: Date | null;
  token_status: TokenStatus;
  has_token: boolean;
}

interface AccountRow {
  id: string;
  username: string | null;
  login_type: "facebook" | "instagram";
  page_id: string | null;
  token_status: TokenStatus;
  token_expires_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function account(r: AccountRow): DebugInstagramAccount {
  // A Facebook Login account sends with its page's token: its own status and expiry would say nothing.
  const ownToken = r.login_type === "instagram";
  return {
    id: r.id,
    username: r.username,
    loginType: r.login_type,
    pageId: r.page_id,
    tokenStatus: ownToken ? r.token_status : null,
    tokenExpiresAt: ownToken ? iso(r.token_expires_at) : null,
  };
}

/**
 * Every stored page with its Instagram accounts, and the accounts that belong to no stored page (Instagram Login
 * ones). Whether a token is held, never the token or its ciphertext.
 */
export async function debugPages(
  sql: Sql,
): Promise<{ pages: DebugPage[]; instagramAccounts: DebugInstagramAccount[] }> {
  const [pages, accounts] = await Promise.all([
    sql<PageRow[]>`
      select id, name, user_id, subscribed, subscribed_fields, last_subscribed_at, token_status,
        access_token_enc is not null as has_token
      from pages
      order by id`,
    sql<AccountRow[]>`
      select id, username, login_type, page_id, token_status, token_expires_at
      from instagram_accounts
      order by id`,
  ]);
  const byPage = new Map<string, DebugInstagramAccount[]>(pages.map((p) => [p.id, []]));
  const pageless: DebugInstagramAccount[] = [];
  for (const a of accounts) {
    const list = a.page_id === null ? undefined : byPage.get(a.page_id);
    (list ?? pageless).push(account(a));
  }
  return {
    pages: pages.map((p) => ({
      id: p.id,
      name: p.name,
      userId: p.user_id,
      subscribed: p.subscribed,
      subscribedFields: p.subscribed_fields,
      lastSubscribedAt: iso(p.last_subscribed_at),
      tokenStatus: p.token_status,
      hasToken: p.has_token,
      instagramAccounts: byPage.get(p.id) ?? [],
    })),
    instagramAccounts: pageless,
  };
}

/** Answers DebugPagesRequest on `<prefix>igdm.rpc.persister.debug-pages`. */
export const serveDebugPages = persisterRpc(
  "debug-pages",
  { request: DebugPagesRequest, reply: DebugPagesReply },
  async (sql) => ({ ok: true as const, ...(await debugPages(sql)) }),
);
