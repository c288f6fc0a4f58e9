import { DeletionStatusReply, DeletionStatusRequest, type Topology } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { type Logger, type NatsConnection, serveRpc } from "@igdm/runtime";
import type { Subscription } from "@nats-io/transport-node";

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
export function serveDeletionStatus(opts: {
  nc: NatsConnection;
  sql: Sql;
  topology: Topology;
  log: Logger;
}): Subscription {
  return serveRpc({
    nc: opts.nc,
    subject: opts.topology.subjects.rpc("persister", "deletion-status"),
    queue: "persister",
    request: DeletionStatusRequest,
    reply: DeletionStatusReply,
    log: opts.log,
    handle: (req) => deletionStatus(opts.sql, req.confirmationCode),
  });
}
