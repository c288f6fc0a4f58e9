import { ManualSendReply, ManualSendRequest, SendStatusReply, SendStatusRequest, type Topology } from "@igdm/contracts";
import { type NatsConnection, requestRpc } from "@igdm/runtime";
import { relayCaller } from "../relay-call.js";

/** Longest wait for the responder or the persister to answer an admin request. */
export const ADMIN_RPC_TIMEOUT_MS = 5000;

export interface ManualSend {
  accountId: string;
  recipientId: string;
  text: string;
}

/**
 * How the admin server reaches the services that own sending and its record: request/reply only. The responder
 * queues manual sends (and refuses them outside the 24-hour window); the persister knows what became of them.
 */
export interface AdminRelay {
  send(command: ManualSend): Promise<ManualSendReply>;
  sendStatus(sendId: string): Promise<SendStatusReply>;
}

export function natsAdminRelay(
  connection: () => NatsConnection | undefined,
  topology: Topology,
  timeoutMs: number = ADMIN_RPC_TIMEOUT_MS,
): AdminRelay {
  const call = relayCaller(connection);
  return {
    send: ({ accountId, recipientId, text }) =>
      call((nc) =>
        requestRpc(
          nc,
          topology.subjects.rpc("responder", "send"),
          { request: ManualSendRequest, reply: ManualSendReply },
          { v: 1, accountId, recipientId, text },
          timeoutMs,
        ),
      ),
    sendStatus: (sendId) =>
      call((nc) =>
        requestRpc(
          nc,
          topology.subjects.rpc("persister", "send-status"),
          { request: SendStatusRequest, reply: SendStatusReply },
          { v: 1, sendId },
          timeoutMs,
        ),
      ),
  };
}
