import type { MessageReceived, ReplyRule } from "@igdm/contracts";

export type ReplyDecision =
  | { reply: true; text: string; ruleId?: string; keyword: boolean }
  | { reply: false; reason: string };

/** Meta lets a business answer only within 24 hours of the user's last message. */
export const REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Whether and what to answer, from the message and the account's rules alone (pure). Echoes, our own accounts'
 * messages, the dashboard's test events and anything older than the 24-hour window are never answered. A keyword
 * rule (exact or contains, case-insensitive) wins over the default rule, which waits for the cooldown.
 */
export function decideReply(
  event: MessageReceived,
  rules: readonly ReplyRule[],
  defaultText: string,
  now: Date,
): ReplyDecision {
  if (event.isEcho || event.direction !== "inbound") return { reply: false, reason: "echo of our own message" };
  if (event.senderId === event.accountId) return { reply: false, reason: "sent by our own account" };
  if (event.isTest) return { reply: false, reason: "dashboard test event" };
  if (now.getTime() - Date.parse(event.occurredAt) > REPLY_WINDOW_MS) {
    return { reply: false, reason: "older than the 24-hour reply window" };
  }
  const text = event.text?.trim().toLowerCase() ?? "";
  const keyword = rules
    .filter((r) => r.kind === "keyword" && r.keyword)
    .find((r) => {
      const k = r.keyword!.trim().toLowerCase();
      return r.match === "exact" ? text === k : text.includes(k);
    });
  if (keyword) return { reply: true, text: keyword.reply, ruleId: keyword.id, keyword: true };
  const fallback = rules.find((r) => r.kind === "default");
  return fallback
    ? { reply: true, text: fallback.reply, ruleId: fallback.id, keyword: false }
    : { reply: true, text: defaultText, keyword: false };
}
