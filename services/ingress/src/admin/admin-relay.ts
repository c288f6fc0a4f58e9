import {
  DebugDeadLettersReply,
  DebugDeadLettersRequest,
  DebugMessagesReply,
  DebugMessagesRequest,
  DebugPagesReply,
  DebugPagesRequest,
  DebugTokensReply,
  DebugTokensRequest,
  ManualSendReply,
  ManualSendRequest,
  SendStatusReply,
  SendStatusRequest,
  type Topology,
} from "@igdm/contracts";
import { type NatsConnection, requestRpc } from "@igdm/runtime";
import type { z } from "zod";
import { relayCaller } from "../relay-call.js";

/** Longest wait for the responder or the persister to answer an admin request (RPC_TIMEOUT_MS's default). */
export const ADMIN_RPC_TIMEOUT_MS = 5000;

export interface ManualSend {
  accountId: string;
  recipientId: string;
  text: string;
}

/**
 * How the admin server reaches the services that own sending and the data: request/reply only. The responder
 * queues manual sends (and refuses them outside the 24-hour window); the persister knows what became of them and
 * answers the read-only debug views.
 */
export interface AdminRelay {
  send(command: ManualSend): Promise<ManualSendReply>;
  sendStatus(sendId: string): Promise<SendStatusReply>;
  debugMessages(query: { limit: number; igId?: string }): Promise<DebugMessagesReply>;
  debugPages(): Promise<DebugPagesReply>;
  debugTokens(): Promise<DebugTokensReply>;
  debugDeadLetters(query: { limit: number; service?: string }): Promise<DebugDeadLettersReply>;
}

export function natsAdminRelay(
  connection: () => NatsConnection | undefined,
  topology: Topology,
  timeoutMs: number = ADMIN_RPC_TIMEOUT_MS,
): AdminRelay {
  const call = relayCaller(connection);
  const rpc = <Req extends z.ZodType, Rep extends z.ZodType>(
    service: string,
    operation: string,
    schemas: { request: Req; reply: Rep },
    body: z.input<Req>,
  ) => call((nc) => requestRpc(nc, topology.subjects.rpc(service, operation), schemas, body, timeoutMs));
  return {
    send: ({ accountId, recipientId, text }) =>
      rpc(
        "responder",
        "send",
        { request: ManualSendRequest, reply: ManualSendReply },
        { v: 1, accountId, recipientId, text },
      ),
    sendStatus: (sendId) =>
      rpc("persister", "send-status", { request: SendStatusRequest, reply: SendStatusReply }, { v: 1, sendId }),
    debugMessages: ({ limit, igId }) =>
      rpc(
        "persister",
        "debug-messages",
        { request: DebugMessagesRequest, reply: DebugMessagesReply },
        { v: 1, limit, ...(igId ? { igId } : {}) },
      ),
    debugPages: () => rpc("persister", "debug-pages", { request: DebugPagesRequest, reply: DebugPagesReply }, { v: 1 }),
    debugTokens: () =>
      rpc("persister", "debug-tokens", { request: DebugTokensRequest, reply: DebugTokensReply }, { v: 1 }),
    debugDeadLetters: ({ limit, service }) =>
      rpc(
        "persister",
        "debug-dlq",
        { request: DebugDeadLettersRequest, reply: DebugDeadLettersReply },
        { v: 1, limit, ...(service ? { service } : {}) },
      ),
  };
}
