import {
  LastInboundReply,
  LastInboundRequest,
  type ReplyRule,
  ReplyRulesReply,
  ReplyRulesRequest,
  SenderCredentialReply,
  SenderCredentialRequest,
  type Topology,
} from "@igdm/contracts";
import { RpcFailure, requestRpc, TransientError } from "@igdm/runtime";
import type { NatsConnection } from "@nats-io/transport-node";
import { TtlCache } from "./ttl-cache.js";

export type SenderCredential = Extract<SenderCredentialReply, { ok: true }>;

/**
 * What the responder asks the persister (the only holder of database credentials), cached: rules briefly, so
 * edits apply without a restart; credentials longer, dropped when Meta rejects a token or access is revoked.
 */
export class PersisterClient {
  readonly #rules: TtlCache<ReplyRule[]>;
  readonly #senders: TtlCache<SenderCredential>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly topology: Topology,
    cache: { rulesMs: number; credentialsMs: number },
  ) {
    this.#rules = new TtlCache(cache.rulesMs);
    this.#senders = new TtlCache(cache.credentialsMs);
  }

  rules(accountId: string): Promise<ReplyRule[]> {
    return this.#rules.get(accountId, async () => {
      const r = await this.#call(
        "reply-rules",
        { request: ReplyRulesRequest, reply: ReplyRulesReply },
        { v: 1, accountId },
      );
      if (!r.ok) throw new TransientError(`reply rules unavailable: ${r.message}`);
      return r.rules;
    });
  }

  /** The account's sending credential; RpcFailure IGDM_ERR_NO_SENDER when we hold none for it. */
  sender(accountId: string): Promise<SenderCredential> {
    return this.#senders.get(accountId, async () => {
      const r = await this.#call(
        "sender-credential",
        { request: SenderCredentialRequest, reply: SenderCredentialReply },
        { v: 1, accountId },
      );
      if (!r.ok) throw new RpcFailure(r.code, r.message);
      return r;
    });
  }

  /** The account's sending credential if it is cached right now (no request). */
  cachedSender(accountId: string): SenderCredential | undefined {
    return this.#senders.peek(accountId);
  }

  forgetSender(accountId: string): void {
    this.#senders.invalidate(accountId);
  }

  /** Drops every cached sending credential (someone's access was revoked: the next send asks again). */
  forgetAll(): void {
    this.#senders.clear();
  }

  async lastInbound(accountId: string, userId: string): Promise<Date | null> {
    const r = await this.#call(
      "last-inbound",
      { request: LastInboundRequest, reply: LastInboundReply },
      {
        v: 1,
        accountId,
        userId,
      },
    );
    if (!r.ok) throw new TransientError(`last inbound message unavailable: ${r.message}`);
    return r.lastInboundAt ? new Date(r.lastInboundAt) : null;
  }

  async #call<Req extends import("zod").ZodType, Rep extends import("zod").ZodType>(
    operation: string,
    schemas: { request: Req; reply: Rep },
    body: import("zod").input<Req>,
  ): Promise<import("zod").output<Rep>> {
    try {
      return await requestRpc(this.nc, this.topology.subjects.rpc("persister", operation), schemas, body, 5000);
    } catch (err) {
      // The persister being away is a reason to wait and retry, not to drop the message.
      throw new TransientError(`persister did not answer ${operation}`, { cause: err });
    }
  }
}
