import { type DebugToken, DebugTokensReply, DebugTokensRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface TokenRow {
  subject_type: DebugToken["subjectType"];
  subject_id: string;
  token_status: DebugToken["status"];
  has_token: boolean;
  token_expires_at: Date | null;
  token_refreshed_at: Date | null;
  last_validated_at: Date | null;
  fingerprint: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * One line per stored user, page and Instagram Login account. The ciphertext never leaves the database: the
 * fingerprint (first 12 hex of its sha256) is computed there.
 */
export async function debugTokens(sql: Sql): Promise<DebugToken[]> {
  const rows = await sql<TokenRow[]>`
    with t as (
      select 'user' as subject_type, id as subject_id, token_status, access_token_enc, token_expires_at,
        token_refreshed_at, last_validated_at
      from users
      union all
      select 'page', id, token_status, access_token_enc, token_expires_at, token_refreshed_at, last_validated_at
      from pages
      union all
      select 'instagram_account', id, token_status, access_token_enc, token_expires_at, token_refreshed_at,
        last_validated_at
      from instagram_accounts
      where login_type = 'instagram'
    )
    select subject_type, subject_id, token_status, access_token_enc is not null as has_token, token_expires_at,
      token_refreshed_at, last_validated_at,
      left(encode(sha256(convert_to(access_token_enc, 'UTF8')), 'hex'), 12) as fingerprint
    from t
    order by subject_type, subject_id`;
  return rows.map((r) => ({
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    status: r.token_status,
    hasToken: r.has_token,
    expiresAt: iso(r.token_expires_at),
    refreshedAt: iso(r.token_refreshed_at),
    lastValidatedAt: iso(r.last_validated_at),
    fingerprint: r.fingerprint,
  }));
}

/** Answers DebugTokensRequest on `<prefix>igdm.rpc.persister.debug-tokens`. */
export const serveDebugTokens = persisterRpc(
  "debug-tokens",
  { request: DebugTokensRequest, reply: DebugTokensReply },
  async (sql) => ({ ok: true as const, tokens: await debugTokens(sql) }),
);
