import { DeletionStatusReply, DeletionStatusRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { callback, ev, FB_USER } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { DELETED_TABLES, deleteUserData, recordFailedDeletion } from "../writes/user-callbacks.js";
import { serveDeletionStatus } from "./deletion-status.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "deletion-status", serveDeletionStatus, {
  request: DeletionStatusRequest,
  reply: DeletionStatusReply,
});
const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
const zero = Object.fromEntries(DELETED_TABLES.map((t) => [t, 0]));

describe("deletion-status over NATS", () => {
  it("answers completed with the rows deleted per table", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 })]);
    const cb = callback.dataDeletion(FB_USER, { at: 5000 });
    await deleteUserData(db.sql, cb);
    expect(await rpc.call({ v: 1, confirmationCode: cb.confirmationCode })).toEqual({
      ok: true,
      confirmationCode: cb.confirmationCode,
      status: "completed",
      requestedAt: cb.issuedAt,
      completedAt: isoTime,
      // Two connect events: two token_logs rows.
      deleted: { ...zero, users: 1, pages: 1, token_logs: 2 },
    });
  });

  it("answers failed, without a completion time, for a deletion that could not be done", async () => {
    const cb = callback.dataDeletion(FB_USER, { at: 5000 });
    await recordFailedDeletion(db.sql, cb, "database error 22008: out of range");
    expect(await rpc.call({ v: 1, confirmationCode: cb.confirmationCode })).toEqual({
      ok: true,
      confirmationCode: cb.confirmationCode,
      status: "failed",
      requestedAt: cb.issuedAt,
      completedAt: null,
      deleted: {},
    });
  });

  it("answers IGDM_ERR_NOT_FOUND for an unknown code and IGDM_ERR_BAD_REQUEST for a malformed one", async () => {
    expect(await rpc.call({ v: 1, confirmationCode: "ABCDEF0123456789" })).toMatchObject({
      ok: false,
      code: "IGDM_ERR_NOT_FOUND",
    });
    expect(await rpc.raw({ v: 1, confirmationCode: "short" })).toMatchObject({
      ok: false,
      code: "IGDM_ERR_BAD_REQUEST",
    });
  });
});
