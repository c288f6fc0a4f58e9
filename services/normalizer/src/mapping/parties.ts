import { field, requiredId } from "./json-values.js";

export interface Parties {
  senderId: string;
  recipientId: string;
}

/** sender.id and recipient.id of a messaging item, or a reason naming the one that is missing. */
export function readParties(item: Record<string, unknown>): Parties | string {
  const senderId = requiredId(field(item.sender, "id"));
  if (senderId === undefined) return "messaging item has no sender.id";
  const recipientId = requiredId(field(item.recipient, "id"));
  if (recipientId === undefined) return "messaging item has no recipient.id";
  return { senderId, recipientId };
}
