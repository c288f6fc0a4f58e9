/** The webhook fields every connected page is subscribed to (META-PLATFORM.md, Subscribing). */
export const SUBSCRIBED_FIELDS = [
  "messages",
  "messaging_postbacks",
  "message_reactions",
  "messaging_seen",
  "messaging_referral",
];
