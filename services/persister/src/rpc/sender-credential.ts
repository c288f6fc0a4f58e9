import { SenderCredentialReply, SenderCredentialRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

type TokenStatus = "valid" | "expiring" | "invalid" | "revoked";

interface SenderRow {
  login_type: "facebook" | "instagram";
  subject_type: "instagram_account" | "page";
  sender_id: string;
  access_token_enc: string;
  token_status: TokenStatus;
}

/**
 * How to send from `accountId`: an Instagram Login account with its own token sends as itself; a Facebook Login
 * account sends through its page, with the page's token; a page id sends as that page. Null when none has a token.
 */
export async function senderCredential(sql: Sql, accountId: string): Promise<SenderCredentialReply> {
  const [row] = await sql<SenderRow[]>`
    select 'instagram' as login_type, 'instagram_account' as subject_type, a.id as sender_id, a.access_token_enc,
      a.token_status, 1 as rank
    from instagram_accounts a
    where a.id = ${accountId} and a.login_type = 'instagram' and a.access_token_enc is not null
    union all
    select 'facebook', 'page', p.id, p.access_token_enc, p.token_status, 2
    from instagram_accounts a join pages p on p.id = a.page_id
    where a.id = ${accountId} and a.login_type = 'facebook' and p.access_token_enc is not null
    union all
    select 'facebook', 'page', p.id, p.access_token_enc, p.token_status, 3
    from pages p
    where p.id = ${accountId} and p.access_token_enc is not null
    order by rank
    limit 1`;
  if (!row) {
    return { ok: false, code: "IGDM_ERR_NO_SENDER", message: `no token to send from account ${accountId}` };
  }
  return {
    ok: true,
    accountId,
    senderId: row.sender_id,
    loginType: row.login_type,
    tokenSubject: { subjectType: row.subject_type, subjectId: row.sender_id },
    accessTokenEnc: row.access_token_enc,
    tokenStatus: row.token_status,
  };
}

/** Answers the responder's SenderCredentialRequest on `<prefix>igdm.rpc.persister.sender-credential`. */
export const serveSenderCredential = persisterRpc(
  "sender-credential",
  { request: SenderCredentialRequest, reply: SenderCredentialReply },
  (sql, req) => senderCredential(sql, req.accountId),
);
