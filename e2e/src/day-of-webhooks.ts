import { instagramMessagingWebhook } from "@igdm/testkit";

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** The sandbox's shop: its page is connected, so its DMs are answered. */
const SHOP = "17841400000000001";

export interface Day {
  /** Signed-webhook bodies in the order Meta would send them. */
  bodies: string[];
  /** Automatic replies the day must produce: one default reply per person, plus one per keyword message. */
  replies: number;
  /** Someone who wrote 25 hours ago: outside the 24-hour window, never answered. */
  lateSender: string;
  /** The first message of every person: each got a reply. */
  firstMids: string[];
}

/** A `changes[]` delivery (comments, mentions, unknown fields) to the shop. */
function change(field: string, value: object, at: number): string {
  return JSON.stringify({ object: "instagram", entry: [{ id: SHOP, time: at, changes: [{ field, value }] }] });
}

/**
 * A day of a shop's Instagram traffic, timestamps spread over the last 23 hours (inside the reply window however
 * long the test runs): per person a first message (a default reply) and a second one (in the cooldown, or a
 * keyword that is answered anyway), reactions, reads, edits, unsends, postbacks, referrals, our own echoes,
 * comments, mentions and shapes the normalizer does not know. About 300 deliveries for 40 people.
 */
export function dayOfWebhooks(now: number, people = 40): Day {
  const bodies: string[] = [];
  const firstMids: string[] = [];
  let replies = 0;
  for (let i = 0; i < people; i++) {
    const person = `93${String(i).padStart(14, "0")}`;
    const at = now - 23 * HOUR + Math.floor((i * 22 * HOUR) / people);
    const inbound = (item: Record<string, unknown>, offset: number) =>
      instagramMessagingWebhook(item, { from: person, at: at + offset });
    const first = `mid.day.${i}.first`;
    const second = `mid.day.${i}.second`;
    const keyword = i % 4 === 0;
    firstMids.push(first);
    replies += keyword ? 2 : 1;
    bodies.push(
      inbound({ message: { mid: first, text: `Hello from person ${i}` } }, 0),
      inbound({ message: { mid: second, text: keyword ? "What is the price?" : "Still there?" } }, 5 * MINUTE),
      inbound({ reaction: { mid: first, action: "react", reaction: "love", emoji: "\u2764" } }, 6 * MINUTE),
      inbound({ read: { mid: first } }, 7 * MINUTE),
    );
    if (i % 3 === 0) bodies.push(inbound({ reaction: { mid: first, action: "unreact" } }, 8 * MINUTE));
    if (i % 5 === 0) bodies.push(inbound({ message_edit: { mid: second, text: "Edited", num_edit: 1 } }, 9 * MINUTE));
    if (i % 7 === 0) bodies.push(inbound({ message: { mid: second, is_deleted: true } }, 10 * MINUTE));
    if (i % 6 === 0) bodies.push(inbound({ postback: { mid: `mid.day.${i}.pb`, payload: "MENU" } }, HOUR));
    if (i % 8 === 0) bodies.push(inbound({ referral: { ref: "spring", source: "IGME", type: "OPEN_THREAD" } }, HOUR));
    if (i % 9 === 0) bodies.push(inbound({ pass_thread_control: { new_owner_app_id: "263902037430900" } }, HOUR));
    if (i % 2 === 0) {
      const echo = { message: { mid: `mid.day.${i}.echo`, text: "A human here", is_echo: true } };
      bodies.push(instagramMessagingWebhook(echo, { from: SHOP, to: person, at: at + 2 * HOUR }));
    }
    if (i % 3 === 1) {
      const comment = {
        id: `1790${String(i).padStart(12, "0")}`,
        text: "How much?",
        from: { id: person, username: `person.${i}` },
        media: { id: "18012345678901234", media_product_type: "FEED" },
      };
      bodies.push(change("comments", comment, at + 3 * HOUR));
    }
    if (i % 10 === 0) {
      bodies.push(change("mentions", { media_id: "18023456789012345", comment_id: `1788${i}` }, at + 3 * HOUR));
    }
  }
  bodies.push(change("story_insights", { media_id: "18034567890123499", impressions: 44 }, now - HOUR));
  const lateSender = "9399999999999999";
  const late = { message: { mid: "mid.day.late", text: "Yesterday's question" } };
  bodies.push(instagramMessagingWebhook(late, { from: lateSender, at: now - 25 * HOUR }));
  return { bodies, replies, lateSender, firstMids };
}
