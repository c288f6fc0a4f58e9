import { DebugMessagesReply, DebugMessagesRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { ACCOUNT, at, ev, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { serveDebugMessages } from "./debug-messages.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "debug-messages", serveDebugMessages, {
  request: DebugMessagesRequest,
  reply: DebugMessagesReply,
});
const OTHER = "17841400000000055";
const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe("debug-messages over NATS", () => {
  it("answers the newest messages first, as the events wrote them, with no token anywhere", async () => {
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0, token: token("user-secret") }),
      ev.pageConnected({ at: 0, token: token("page-secret") }),
      ev.message("mid.1", { at: 1000 }),
      ev.message("mid.2", { at: 3000, attachments: [{ type: "image", url: "https://cdn.example/a.jpg" }] }),
      ev.message("mid.3", { at: 2000, accountId: OTHER }),
      ev.edited("mid.1", 2, { at: 4000, text: "fixed" }),
      ev.deleted("mid.2", { at: 5000 }),
      // An unsend of a message not stored yet: a placeholder without Meta's time sorts by when it was stored.
      ev.deleted("mid.early", { at: 500 }),
      ev.message("mid.page", { at: 6000, accountId: PAGE, object: "page" }),
    ]);
    const reply = await rpc.call({ v: 1, limit: 20 });
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    // The placeholder sorts by when it was stored (the test's clock), the others by Meta's time.
    const byMetaTime = reply.messages.filter((m) => m.sentAt !== null).map((m) => m.messageId);
    expect(byMetaTime).toEqual(["mid.page", "mid.2", "mid.3", "mid.1"]);
    expect(reply.messages.find((m) => m.messageId === "mid.early")).toMatchObject({ sentAt: null, isDeleted: true });
    expect(reply.messages.find((m) => m.messageId === "mid.1")).toEqual({
      messageId: "mid.1",
      direction: "inbound",
      igId: ACCOUNT,
      pageId: null,
      senderId: "6543210987654321",
      recipientId: ACCOUNT,
      text: "fixed",
      attachments: [],
      isEcho: false,
      isDeleted: false,
      editCount: 2,
      sentAt: at(1000),
      updatedAt: isoTime,
    });
    expect(reply.messages.find((m) => m.messageId === "mid.2")).toMatchObject({
      isDeleted: true,
      text: null,
      attachments: [],
      sentAt: at(3000),
    });
    expect(reply.messages.find((m) => m.messageId === "mid.page")).toMatchObject({ igId: null, pageId: PAGE });
    const json = JSON.stringify(reply);
    for (const secret of [token("user-secret"), token("page-secret")]) expect(json).not.toContain(secret);
  });

  it("limits the answer and filters by Instagram account", async () => {
    await persistEvents(db.sql, [
      ev.message("mid.a", { at: 1000 }),
      ev.message("mid.b", { at: 2000 }),
      ev.message("mid.c", { at: 3000 }),
      ev.message("mid.other", { at: 4000, accountId: OTHER }),
    ]);
    const ids = (r: DebugMessagesReply) => (r.ok ? r.messages.map((m) => m.messageId) : r);
    expect(ids(await rpc.call({ v: 1, limit: 2 }))).toEqual(["mid.other", "mid.c"]);
    expect(ids(await rpc.call({ v: 1, limit: 2, igId: ACCOUNT }))).toEqual(["mid.c", "mid.b"]);
    expect(ids(await rpc.call({ v: 1, igId: OTHER }))).toEqual(["mid.other"]);
    expect(ids(await rpc.call({ v: 1, igId: "17841499999999999" }))).toEqual([]);
  });

  it("refuses a request outside the contract", async () => {
    expect(await rpc.raw({ v: 1, limit: 0 })).toMatchObject({ ok: false, code: "IGDM_ERR_BAD_REQUEST" });
    expect(await rpc.raw({ v: 1, limit: 500 })).toMatchObject({ ok: false, code: "IGDM_ERR_BAD_REQUEST" });
  });
});
