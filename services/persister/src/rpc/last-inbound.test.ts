import { LastInboundReply, LastInboundRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { ACCOUNT, at, ev, PAGE, USER } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { serveLastInbound } from "./last-inbound.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "last-inbound", serveLastInbound, {
  request: LastInboundRequest,
  reply: LastInboundReply,
});
const OTHER_USER = "6543210987654322";

describe("last-inbound over NATS", () => {
  it("answers when the user last wrote to the account, ignoring our sends and other users", async () => {
    await persistEvents(db.sql, [
      ev.message("mid.1", { at: 0 }),
      ev.message("mid.2", { at: 2000 }),
      ev.message("mid.3", { at: 5000, senderId: ACCOUNT, recipientId: USER, direction: "outbound", isEcho: true }),
      ev.replySent("reply:mid.2", "mid.4", { at: 6000 }),
      ev.message("mid.5", { at: 9000, senderId: OTHER_USER }),
      ev.message("mid.6", { at: 9000, accountId: PAGE, object: "page", recipientId: PAGE }),
    ]);
    expect(await rpc.call({ v: 1, accountId: ACCOUNT, userId: USER })).toEqual({ ok: true, lastInboundAt: at(2000) });
    expect(await rpc.call({ v: 1, accountId: PAGE, userId: USER })).toEqual({ ok: true, lastInboundAt: at(9000) });
  });

  it("answers null when the user never wrote", async () => {
    expect(await rpc.call({ v: 1, accountId: ACCOUNT, userId: USER })).toEqual({ ok: true, lastInboundAt: null });
  });
});
