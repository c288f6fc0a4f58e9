import { ReplyRulesReply, ReplyRulesRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { ACCOUNT, PAGE } from "../testing/test-events.js";
import { serveReplyRules } from "./reply-rules.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "reply-rules", serveReplyRules, { request: ReplyRulesRequest, reply: ReplyRulesReply });

describe("reply-rules over NATS", () => {
  it("answers the account's enabled rules by priority, then oldest first", async () => {
    const [late] = await db.sql`
      insert into auto_reply_rules (account_id, kind, match, keyword, reply, priority, created_at)
      values (${ACCOUNT}, 'keyword', 'contains', 'price', 'See our prices', 10, now()) returning id::text`;
    const [early] = await db.sql`
      insert into auto_reply_rules (account_id, kind, match, keyword, reply, priority, created_at)
      values (${ACCOUNT}, 'keyword', 'exact', 'hi', 'Hello!', 10, now() - interval '1 hour') returning id::text`;
    const [fallback] = await db.sql`
      insert into auto_reply_rules (account_id, kind, reply) values (${ACCOUNT}, 'default', 'We will answer soon')
      returning id::text`;
    await db.sql`
      insert into auto_reply_rules (account_id, kind, reply, enabled) values (${ACCOUNT}, 'default', 'off', false)`;
    await db.sql`insert into auto_reply_rules (account_id, kind, reply) values (${PAGE}, 'default', 'other account')`;

    expect(await rpc.call({ v: 1, accountId: ACCOUNT })).toEqual({
      ok: true,
      rules: [
        { id: early!.id, kind: "keyword", match: "exact", keyword: "hi", reply: "Hello!", priority: 10 },
        { id: late!.id, kind: "keyword", match: "contains", keyword: "price", reply: "See our prices", priority: 10 },
        { id: fallback!.id, kind: "default", reply: "We will answer soon", priority: 100 },
      ],
    });
  });

  it("answers an empty list for an account without rules", async () => {
    expect(await rpc.call({ v: 1, accountId: ACCOUNT })).toEqual({ ok: true, rules: [] });
  });

  it("the table refuses a keyword rule without a match or keyword, and an empty reply", async () => {
    const insert = (kind: string, match: string | null, keyword: string | null, reply: string) =>
      db.sql`insert into auto_reply_rules (account_id, kind, match, keyword, reply)
        values (${ACCOUNT}, ${kind}, ${match}, ${keyword}, ${reply})`.catch((e: { code?: string }) => e.code);
    expect(await insert("keyword", null, "hi", "x")).toBe("23514");
    expect(await insert("keyword", "exact", "", "x")).toBe("23514");
    expect(await insert("default", null, null, "")).toBe("23514");
    expect(await insert("other", null, null, "x")).toBe("23514");
  });
});
