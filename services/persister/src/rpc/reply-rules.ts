import { type ReplyRule, ReplyRulesReply, ReplyRulesRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface RuleRow {
  id: string;
  kind: ReplyRule["kind"];
  match: "exact" | "contains" | null;
  keyword: string | null;
  reply: string;
  priority: number;
}

/** The account's enabled auto-reply rules, lowest priority first, then oldest first. */
export async function replyRules(sql: Sql, accountId: string): Promise<ReplyRule[]> {
  const rows = await sql<RuleRow[]>`
    select id::text as id, kind, match, keyword, reply, priority
    from auto_reply_rules
    where account_id = ${accountId} and enabled
    order by priority, created_at, id`;
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    ...(r.match === null ? {} : { match: r.match }),
    ...(r.keyword === null ? {} : { keyword: r.keyword }),
    reply: r.reply,
    priority: r.priority,
  }));
}

/** Answers the responder's ReplyRulesRequest on `<prefix>igdm.rpc.persister.reply-rules`. */
export const serveReplyRules = persisterRpc(
  "reply-rules",
  { request: ReplyRulesRequest, reply: ReplyRulesReply },
  async (sql, req) => ({ ok: true as const, rules: await replyRules(sql, req.accountId) }),
);
