import { z } from "zod";
import { GraphTextTooLongError, MAX_TEXT_BYTES } from "./errors.js";
import { type GraphContext, joinUrl } from "./http.js";

export type LoginType = "facebook" | "instagram";

export interface SendTextInput {
  /** Facebook Login: the Page id. Instagram Login: the Instagram account id. */
  pageId: string;
  /** Facebook Login: the Page access token. Instagram Login: the Instagram user token. */
  token: string;
  /** The recipient's Instagram-scoped id (IGSID). */
  recipientId: string;
  text: string;
  loginType: LoginType;
}

export interface SendResult {
  recipientId: string;
  /** Meta's id of the sent message; the echo webhook carries it as `mid`. */
  messageId: string;
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const sendSchema = z.object({ recipient_id: id, message_id: z.string().min(1) });

/**
 * Sends a text reply inside the 24-hour window (`messaging_type: "RESPONSE"`). There is deliberately no way to
 * pass a message `tag`: HUMAN_AGENT is for humans only, and automated replies stamped with it fail app review.
 * Text over 1000 bytes of UTF-8 is refused before any call. Never retried here: a retry after an unanswered POST
 * may send twice, so the caller (which claimed the reply) decides.
 */
export async function sendText(ctx: GraphContext, input: SendTextInput): Promise<SendResult> {
  if (input.loginType !== "facebook" && input.loginType !== "instagram") {
    throw new TypeError(`sendText: unknown loginType ${String(input.loginType)}`);
  }
  const bytes = Buffer.byteLength(input.text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw new GraphTextTooLongError(bytes);
  const json = { recipient: { id: input.recipientId }, message: { text: input.text }, messaging_type: "RESPONSE" };
  const { config } = ctx;
  const r =
    input.loginType === "instagram"
      ? await ctx.http.request({
          method: "POST",
          url: joinUrl(`${config.igGraphBaseUrl}/${config.apiVersion}`, input.pageId, "messages"),
          bearer: input.token,
          json,
          schema: sendSchema,
          secrets: [input.token],
        })
      : await ctx.http.request({
          method: "POST",
          url: joinUrl(`${config.graphBaseUrl}/${config.apiVersion}`, input.pageId, "messages"),
          searchParams: { access_token: input.token },
          json,
          schema: sendSchema,
          secrets: [input.token],
        });
  return { recipientId: r.recipient_id, messageId: r.message_id };
}
