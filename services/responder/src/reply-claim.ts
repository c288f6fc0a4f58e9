import type { Topology } from "@igdm/contracts";
import { isRevisionConflict, TransientError } from "@igdm/runtime";
import type { KV, KvEntry, Kvm } from "@nats-io/kv";
import { z } from "zod";

const HOUR_MS = 3_600_000;

/**
 * A claim's life: `claimed` (the Send API was not called: another delivery may take the claim over), `sending`
 * (the Send API may have been called: never sent again), then one of two final states: `sent` (Meta accepted the
 * message, whose id the claim keeps so any delivery can publish `reply_sent` again) or `done` (a failure was
 * published, or the outcome is unknown: nothing more to do).
 */
export const ClaimState = z.enum(["claimed", "sending", "sent", "done"]);
export type ClaimState = z.infer<typeof ClaimState>;

/** What Meta's acceptance leaves to rebuild `reply_sent` from the job: the mid, and the page that sent it. */
export const Acceptance = z.object({ messageId: z.string().min(1), pageId: z.string().min(1).optional() });
export type Acceptance = z.infer<typeof Acceptance>;

const claimBase = { sendId: z.string().min(1), at: z.iso.datetime() };
const UnsentClaim = z.object({ ...claimBase, state: ClaimState.exclude(["sent"]) });
/**
 * Everything of its `reply_sent` that a redelivered job may not rebuild: Meta's answer, and what was sent (an
 * automatic reply's text and rule are decided again on each delivery, and rules change). `at` is the event's
 * `occurredAt`, so a republished event is the same event.
 */
export const SentClaim = z.object({
  ...claimBase,
  state: z.literal("sent"),
  ...Acceptance.shape,
  text: z.string(),
  ruleId: z.string().min(1).optional(),
});
export type SentClaim = z.infer<typeof SentClaim>;

/** A stored claim; a `sent` one without its message id fails, and so counts as settled (see readClaim). */
export const ClaimValue = z.union([UnsentClaim, SentClaim]);
export type ClaimValue = z.infer<typeof ClaimValue>;

/** Where a delivery stands after trying to claim a send. */
export type ClaimOutcome =
  /** We hold the claim in `claimed` at this revision. */
  | { kind: "ours"; revision: number }
  /** Settled, or another delivery won the claim: nothing to do. */
  | { kind: "taken" }
  /** Meta accepted the send; its `reply_sent` may not be published yet. Never sent again. */
  | { kind: "sent"; claim: SentClaim }
  /** Another holder is calling the Send API right now (`sending`, younger than the lease): ask again later. */
  | { kind: "in_flight"; since: string }
  /** `sending` older than the lease: its holder stopped mid-send, so whether Meta got the message is unknown. */
  | { kind: "stale"; revision: number; since: string };

/** The bucket, as every responder replica opens it (creating it if needed). */
export function openReplyClaims(kvm: Kvm, topology: Topology, replicas: number): Promise<KV> {
  // Claims outlive the 24-hour window, so a replay of any event Meta still lets us answer finds its claim.
  return kvm.create(topology.kv.replyClaims, { ttl: 48 * HOUR_MS, history: 1, replicas });
}

/** What a stored claim says; anything unreadable (a legacy value without `state`, garbage) counts as settled. */
export function readClaim(entry: KvEntry): ClaimValue | { state: "done" } {
  try {
    const parsed = ClaimValue.safeParse(entry.json());
    return parsed.success ? parsed.data : { state: "done" };
  } catch {
    return { state: "done" };
  }
}

type UnsentState = Exclude<ClaimState, "sent">;
const unsent = (sendId: string, state: UnsentState): ClaimValue => ({ sendId, state, at: new Date().toISOString() });

const unavailable = (err: unknown) => new TransientError("reply claims unavailable", { cause: err });

/**
 * Claims a send (phase 1): a KV create, or, when the key holds `claimed` (a holder that died, or a slower
 * delivery of the same send, before calling Meta), a compare-and-set takeover from the revision read. The old
 * holder then fails its own compare-and-set to `sending` and never calls Meta.
 */
export async function takeClaim(kv: KV, key: string, sendId: string, leaseMs: number): Promise<ClaimOutcome> {
  // A released or expired key between our create and our read is claimed afresh; a key that keeps changing
  // under us is left to a later delivery.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return { kind: "ours", revision: await kv.create(key, JSON.stringify(unsent(sendId, "claimed"))) };
    } catch (err) {
      if (!isRevisionConflict(err)) throw unavailable(err);
    }
    const entry = await kv.get(key).catch((err: unknown) => {
      throw unavailable(err);
    });
    if (entry?.operation !== "PUT") continue;
    const held = readClaim(entry);
    if (held.state === "done") return { kind: "taken" };
    if (held.state === "sent") return { kind: "sent", claim: held };
    if (held.state === "claimed") {
      const revision = await compareAndSet(kv, key, sendId, "claimed", entry.revision);
      return revision === undefined ? { kind: "taken" } : { kind: "ours", revision };
    }
    return Date.now() - Date.parse(held.at) < leaseMs
      ? { kind: "in_flight", since: held.at }
      : { kind: "stale", revision: entry.revision, since: held.at };
  }
  throw new TransientError("the reply claim kept changing while it was read; retrying later");
}

/**
 * Claims a send nobody has claimed straight in `sending` (phases 1 and 2 in one write), for a delivery that holds
 * everything the Send API call needs and calls it at once: its revision, or undefined when the key exists (another
 * delivery claimed it, or it is settled: takeClaim then reads it). Any other failure throws a TransientError.
 */
export async function claimSending(kv: KV, key: string, sendId: string): Promise<number | undefined> {
  try {
    return await kv.create(key, JSON.stringify(unsent(sendId, "sending")));
  } catch (err) {
    if (isRevisionConflict(err)) return undefined;
    throw unavailable(err);
  }
}

/**
 * Writes `state` if the key is still at `revision`: the new revision, or undefined when another delivery wrote
 * first. Any other failure (NATS unreachable) throws a TransientError: the write may or may not have landed.
 */
export function compareAndSet(
  kv: KV,
  key: string,
  sendId: string,
  state: UnsentState,
  revision: number,
): Promise<number | undefined> {
  return update(kv, key, unsent(sendId, state), revision);
}

/** `sending` → `sent`, as compareAndSet. */
export function markSent(kv: KV, key: string, sent: SentClaim, revision: number): Promise<number | undefined> {
  return update(kv, key, sent, revision);
}

async function update(kv: KV, key: string, value: ClaimValue, revision: number): Promise<number | undefined> {
  try {
    return await kv.update(key, JSON.stringify(value), revision);
  } catch (err) {
    if (isRevisionConflict(err)) return undefined;
    throw unavailable(err);
  }
}
