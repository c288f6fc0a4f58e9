import type { MessageReceived } from "@igdm/contracts";
import { type Delivery, isRevisionConflict, TransientError } from "@igdm/runtime";
import type { KV } from "@nats-io/kv";
import { decideReply } from "./decide-reply.js";
import { kvKey, type SendDeps, sendOnce } from "./send-once.js";

export interface AutoReplyDeps extends SendDeps {
  cooldowns: KV;
  defaultText: string;
}

/**
 * One inbound message: decide, respect the per-conversation cooldown for default replies (keyword rules skip
 * it), then send at most once. The cooldown key holds the mid that took it, so a retry of that same message
 * (after Meta asked to retry) goes on while any other message of the conversation waits out the cooldown.
 */
export async function autoReply(deps: AutoReplyDeps, delivery: Delivery<MessageReceived>): Promise<void> {
  const event = delivery.data;
  if (event.kind !== "message") return;
  const rules = await deps.persister.rules(event.accountId);
  const decision = decideReply(event, rules, deps.defaultText, new Date());
  if (!decision.reply) {
    deps.log.debug({ mid: event.mid, reason: decision.reason }, "no automatic reply");
    return;
  }
  if (!decision.keyword && !(await takeCooldown(deps.cooldowns, event))) {
    deps.log.debug({ mid: event.mid }, "conversation in cooldown: no automatic reply");
    return;
  }
  await sendOnce(deps, {
    sendId: `reply:${event.mid}`,
    accountId: event.accountId,
    recipientId: event.senderId,
    text: decision.text,
    inReplyTo: event.mid,
    ...(decision.ruleId ? { ruleId: decision.ruleId } : {}),
  });
}

/**
 * True when this message holds the conversation's cooldown (it took it now, or took it on an earlier delivery).
 * Only a revision conflict says another message may hold it; any other failure (a timeout while a cluster elects a
 * new leader, NATS unreachable) says nothing, and neither does a conflict whose key a lagging replica cannot show
 * yet: both are retried later, never read as "in cooldown", which would drop the reply for good.
 */
async function takeCooldown(cooldowns: KV, event: MessageReceived): Promise<boolean> {
  const key = kvKey(`${event.accountId}:${event.senderId}`);
  try {
    await cooldowns.create(key, event.mid);
    return true;
  } catch (err) {
    if (!isRevisionConflict(err)) throw cooldownsUnavailable(err);
  }
  const holder = await cooldowns.get(key).catch((err: unknown) => {
    throw cooldownsUnavailable(err);
  });
  if (holder?.operation !== "PUT")
    throw new TransientError("the cooldown key changed while it was read; retrying later");
  return holder.string() === event.mid;
}

const cooldownsUnavailable = (cause: unknown) => new TransientError("reply cooldowns unavailable", { cause });
