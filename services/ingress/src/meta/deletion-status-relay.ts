import { DeletionStatusReply, DeletionStatusRequest, type Topology } from "@igdm/contracts";
import { type NatsConnection, requestRpc } from "@igdm/runtime";
import { relayCaller } from "../relay-call.js";

/** How the public app learns what became of a data-deletion request: the persister answers, over request/reply. */
export interface DeletionStatusRelay {
  deletionStatus(confirmationCode: string): Promise<DeletionStatusReply>;
}

export function natsDeletionStatusRelay(
  connection: () => NatsConnection | undefined,
  topology: Topology,
  timeoutMs: number,
): DeletionStatusRelay {
  const call = relayCaller(connection);
  return {
    deletionStatus: (confirmationCode) =>
      call((nc) =>
        requestRpc(
          nc,
          topology.subjects.rpc("persister", "deletion-status"),
          { request: DeletionStatusRequest, reply: DeletionStatusReply },
          { v: 1, confirmationCode },
          timeoutMs,
        ),
      ),
  };
}
