import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { MetaError, paramError } from "./errors.js";
import { param, structuredParam } from "./http.js";
import type { SandboxState } from "./state.js";
import type { SandboxToken } from "./tokens.js";

/** Meta's limit for `message.text`: 1000 bytes of UTF-8. */
export const MAX_TEXT_BYTES = 1000;

const MESSAGING_TYPES = ["RESPONSE", "UPDATE", "MESSAGE_TAG"];
const SENDER_ACTIONS = ["typing_on", "typing_off", "mark_seen", "react", "unreact"];

const idValue = z.union([z.string().min(1), z.number()]).transform(String);
const recipientSchema = z.union([
  z.looseObject({ id: idValue }),
  z.looseObject({ comment_id: idValue }),
  z.looseObject({ post_id: idValue }),
]);
const messageSchema = z.looseObject({
  text: z.string().optional(),
  attachment: z.unknown().optional(),
});

/** Who is sending: a Page (Facebook Login) or an Instagram-Login account. */
export interface Sender {
  api: "facebook" | "instagram";
  token: SandboxToken;
  page: string | null;
  igAccount: string | null;
}

/**
 * The Send API: validates the body like Meta, records the message in `state.sentMessages`, answers
 * `{recipient_id, message_id}`. Text over 1000 bytes is refused (100); so is any `tag`, recorded first so a test can
 * assert that automated replies never carry one.
 */
export function send(state: SandboxState, request: FastifyRequest, sender: Sender) {
  const rawRecipient = structuredParam(request, "recipient");
  if (rawRecipient === undefined || rawRecipient === "") throw paramError("(#100) param recipient must be non-empty.");
  const recipientParsed = recipientSchema.safeParse(rawRecipient);
  if (!recipientParsed.success) throw paramError("(#100) Parameter error: You must provide a recipient id");
  const r = recipientParsed.data as { id?: string; comment_id?: string; post_id?: string };
  const recipient = r.id ?? r.comment_id ?? r.post_id!;

  const senderAction = param(request, "sender_action");
  const rawMessage = structuredParam(request, "message");
  if (senderAction !== undefined && rawMessage === undefined) {
    if (!SENDER_ACTIONS.includes(senderAction)) {
      throw paramError(
        `(#100) Param sender_action must be one of {${SENDER_ACTIONS.join(", ")}} - got "${senderAction}"`,
      );
    }
    return { recipient_id: recipient };
  }
  if (rawMessage === undefined || rawMessage === "") throw paramError("(#100) param message must be non-empty.");
  const messageParsed = messageSchema.safeParse(rawMessage);
  if (!messageParsed.success) throw paramError("(#100) param message must be a JSON object.");
  const message = messageParsed.data;

  const messagingType = param(request, "messaging_type");
  if (messagingType !== undefined && !MESSAGING_TYPES.includes(messagingType)) {
    throw paramError(
      `(#100) Param messaging_type must be one of {${MESSAGING_TYPES.join(", ")}} - got "${messagingType}"`,
    );
  }
  const tag = param(request, "tag");
  const record = (accepted: boolean, messageId: string | null) =>
    state.recordSentMessage({
      api: sender.api,
      accepted,
      message_id: messageId,
      token: sender.token.token,
      page: sender.page,
      igAccount: sender.igAccount,
      recipient,
      text: message.text,
      attachment: message.attachment,
      messaging_type: messagingType,
      tag,
    });
  if (tag !== undefined) {
    record(false, null);
    throw new MetaError({
      status: 400,
      code: 100,
      type: "OAuthException",
      message: `(#100) The sandbox refuses message tags (got "${tag}"): automated replies must never carry a tag such as HUMAN_AGENT.`,
    });
  }
  if (messagingType === "MESSAGE_TAG")
    throw paramError("(#100) Param tag is required when messaging_type is MESSAGE_TAG");
  if ((message.text === undefined || message.text === "") && message.attachment === undefined) {
    throw paramError("(#100) Message cannot be empty, must provide valid attachment or text");
  }
  if (message.text !== undefined && Buffer.byteLength(message.text, "utf8") > MAX_TEXT_BYTES) {
    throw paramError(`(#100) Length of param message[text] must be less than or equal to ${MAX_TEXT_BYTES}`);
  }
  const senderId = sender.igAccount ?? sender.page ?? sender.token.ownerId;
  const messageId = state.newMessageId(sender.api, senderId);
  record(true, messageId);
  return { recipient_id: recipient, message_id: messageId };
}
