import { type Credential, ListCredentialsReply, ListCredentialsRequest, type TokenSubjectType } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface CredentialRow {
  subject_type: TokenSubjectType;
  subject_id: string;
  access_token_enc: string;
  token_expires_at: Date | null;
  token_refreshed_at: Date | null;
  token_updated_at: Date | null;
  token_status: Credential["status"];
  subscribed: boolean | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Every stored token that is not revoked ('invalid' ones included: the refresher decides what to do with them).
 * Instagram accounts only with Instagram Login: a Facebook-linked account has no token of its own, it uses its
 * page's.
 */
export async function listCredentials(sql: Sql): Promise<Credential[]> {
  const rows = await sql<CredentialRow[]>`
    select 'user' as subject_type, id as subject_id, access_token_enc, token_expires_at, token_refreshed_at,
      token_updated_at, token_status, null::boolean as subscribed
    from users
    where access_token_enc is not null and token_status <> 'revoked'
    union all
    select 'page', id, access_token_enc, token_expires_at, token_refreshed_at, token_updated_at, token_status,
      subscribed
    from pages
    where access_token_enc is not null and token_status <> 'revoked'
    union all
    select 'instagram_account', id, access_token_enc, token_expires_at, token_refreshed_at, token_updated_at,
      token_status, null
    from instagram_accounts
    where login_type = 'instagram' and access_token_enc is not null and token_status <> 'revoked'
    order by subject_type, subject_id`;
  return rows.map((r) => ({
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    accessTokenEnc: r.access_token_enc,
    tokenExpiresAt: iso(r.token_expires_at),
    tokenRefreshedAt: iso(r.token_refreshed_at),
    tokenIssuedAt: iso(r.token_updated_at),
    status: r.token_status,
    ...(r.subscribed === null ? {} : { subscribed: r.subscribed }),
  }));
}

/**
 * Answers token-refresher's ListCredentialsRequest on `<prefix>igdm.rpc.persister.list-credentials`, as the
 * `persister` queue group (one replica answers each request). Unsubscribe the returned subscription to stop.
 */
export const serveListCredentials = persisterRpc(
  "list-credentials",
  { request: ListCredentialsRequest, reply: ListCredentialsReply },
  async (sql) => ({ ok: true as const, credentials: await listCredentials(sql) }),
);
