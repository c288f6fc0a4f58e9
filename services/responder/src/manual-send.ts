import { randomUUID } from "node:crypto";
import { ManualSendReply, ManualSendRequest, OutboundText, type SendRequested, type Topology } from "@igdm/contracts";
import { type Logger, publishEvents, RpcFailure, serveRpc } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { REPLY_WINDOW_MS } from "./decide-reply.js";
import type { PersisterClient } from "./persister-client.js";

/**
 * The admin API's send: refused (IGDM_ERR_OUTSIDE_WINDOW) unless the person wrote to the account within 24 hours,
 * otherwise queued as a `send_requested` event whose id is the command id the caller polls.
 */
export function serveManualSend(opts: {
  nc: NatsConnection;
  js: JetStreamClient;
  topology: Topology;
  persister: PersisterClient;
  log: Logger;
}): Subscription {
  const { nc, js, topology, persister, log } = opts;
  return serveRpc({
    nc,
    subject: topology.subjects.rpc("responder", "send"),
    queue: "responder",
    request: ManualSendRequest,
    reply: ManualSendReply,
    log,
    handle: async ({ accountId, recipientId, text }) => {
      const valid = OutboundText.safeParse(text);
      if (!valid.success) throw new RpcFailure("IGDM_ERR_BAD_REQUEST", "text must be at most 1000 bytes of UTF-8");
      await persister.sender(accountId).catch((err: unknown) => {
        throw err instanceof RpcFailure ? err : new RpcFailure("IGDM_ERR_UNAVAILABLE", "credentials unavailable");
      });
      const last = await persister.lastInbound(accountId, recipientId);
      if (!last || Date.now() - last.getTime() > REPLY_WINDOW_MS) {
        throw new RpcFailure(
          "IGDM_ERR_OUTSIDE_WINDOW",
          last
            ? `the person last wrote at ${last.toISOString()}: more than 24 hours ago, so Meta allows no message`
            : "the person has never written to this account, so Meta allows no message",
        );
      }
      const commandId = randomUUID();
      const event: SendRequested = {
        v: 1,
        id: `send_requested:${commandId}`,
        occurredAt: new Date().toISOString(),
        kind: "send_requested",
        commandId,
        accountId,
        recipientId,
        text,
      };
      await publishEvents(js, topology, [event], { timeoutMs: 5000 });
      return { ok: true as const, commandId };
    },
  });
}
