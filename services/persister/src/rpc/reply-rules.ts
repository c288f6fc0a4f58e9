import { type ReplyRule, ReplyRulesReply, ReplyRulesRequest, type Topology } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { type Logger, type NatsConnection, serveRpc } from "@igdm/runtime";
import type { Subscription } from "@nats-io/transport-node";

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
export function serveReplyRules(opts: { nc: NatsConnection; sql: Sql; topology: Topology; log: Logger }): Subscription {
  return serveRpc({
    nc: opts.nc,
    subject: opts.topology.subjects.rpc("persister", "reply-rules"),
    queue: "persister",
    request: ReplyRulesRequest,
    reply: ReplyRulesReply,
    log: opts.log,
    handle: async (req) => ({ ok: true as const, rules: await replyRules(opts.sql, req.accountId) }),
  });
}
