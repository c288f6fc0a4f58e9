import { SendStatusReply, SendStatusRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { ev } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { serveSendStatus } from "./send-status.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "send-status", serveSendStatus, { request: SendStatusRequest, reply: SendStatusReply });
const status = (sendId: string) => rpc.call({ v: 1, sendId });
const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

describe("send-status over NATS", () => {
  it("answers queued, then sent with the message id", async () => {
    await persistEvents(db.sql, [ev.sendRequested("cmd.1", { at: 0 })]);
    expect(await status("cmd.1")).toEqual({ ok: true, sendId: "cmd.1", status: "queued", updatedAt: isoTime });
    await persistEvents(db.sql, [ev.replySent("cmd.1", "mid.out.1", { at: 10 })]);
    expect(await status("cmd.1")).toEqual({
      ok: true,
      sendId: "cmd.1",
      status: "sent",
      messageId: "mid.out.1",
      updatedAt: isoTime,
    });
  });

  it("answers failed with the reason", async () => {
    await persistEvents(db.sql, [ev.replyFailed("reply:mid.9", { at: 10, reason: "outside the 24-hour window" })]);
    expect(await status("reply:mid.9")).toEqual({
      ok: true,
      sendId: "reply:mid.9",
      status: "failed",
      reason: "outside the 24-hour window",
      updatedAt: isoTime,
    });
  });

  it("answers IGDM_ERR_NOT_FOUND for an unknown send", async () => {
    expect(await status("cmd.unknown")).toMatchObject({ ok: false, code: "IGDM_ERR_NOT_FOUND" });
  });
});
