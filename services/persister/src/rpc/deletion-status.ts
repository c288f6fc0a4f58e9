import { DeletionStatusReply, DeletionStatusRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface DeletionRow {
  status: "completed" | "failed";
  requested_at: Date;
  completed_at: Date | null;
  deleted: Record<string, number>;
}

/** What became of a data-deletion request; IGDM_ERR_NOT_FOUND for a code never seen (or not yet processed). */
export async function deletionStatus(sql: Sql, confirmationCode: string): Promise<DeletionStatusReply> {
  const [row] = await sql<DeletionRow[]>`
    select status, requested_at, completed_at, deleted from deletion_requests
    where confirmation_code = ${confirmationCode}`;
  if (!row) return { ok: false, code: "IGDM_ERR_NOT_FOUND", message: `no deletion request ${confirmationCode}` };
  return {
    ok: true,
    confirmationCode,
    status: row.status,
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    deleted: row.deleted,
  };
}

/** Answers DeletionStatusRequest on `<prefix>igdm.rpc.persister.deletion-status`. */
export const serveDeletionStatus = persisterRpc(
  "deletion-status",
  { request: DeletionStatusRequest, reply: DeletionStatusReply },
  (sql, req) => deletionStatus(sql, req.confirmationCode),
);
