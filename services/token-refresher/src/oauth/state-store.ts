import { randomBytes } from "node:crypto";
import type { LoginFlow } from "@igdm/contracts";
import { RpcFailure } from "@igdm/runtime";
import type { KV } from "@nats-io/kv";
import { z } from "zod";

const StoredState = z.object({ flow: z.enum(["facebook", "instagram"]), createdAt: z.number() });

/**
 * One-time OAuth `state` values in a KV bucket whose TTL expires them. Consuming is a delete guarded by the
 * revision read, so two callbacks racing with the same state cannot both win.
 */
export class OAuthStateStore {
  constructor(
    private readonly kv: KV,
    private readonly ttlMs: number,
  ) {}

  async create(flow: LoginFlow): Promise<string> {
    const state = randomBytes(24).toString("base64url");
    await this.kv.create(state, JSON.stringify({ flow, createdAt: Date.now() }));
    return state;
  }

  /** Returns the flow the state was made for, or throws IGDM_ERR_OAUTH_STATE (unknown, reused or expired). */
  async consume(state: string): Promise<LoginFlow> {
    const rejected = (why: string) => new RpcFailure("IGDM_ERR_OAUTH_STATE", `login link ${why}: start again`);
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(state)) throw rejected("is not valid");
    const entry = await this.kv.get(state);
    if (entry?.operation !== "PUT") throw rejected("is unknown or was already used");
    try {
      await this.kv.delete(state, { previousSeq: entry.revision });
    } catch {
      throw rejected("was already used");
    }
    const stored = StoredState.parse(entry.json());
    if (Date.now() - stored.createdAt > this.ttlMs) throw rejected("has expired");
    return stored.flow;
  }
}
