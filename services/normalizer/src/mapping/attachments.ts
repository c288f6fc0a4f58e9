import type { Attachment } from "@igdm/contracts";
import { isJsonObject, optionalId } from "./json-values.js";

type AttachmentDraft = { [K in keyof Attachment]: unknown };

/** One attachment; the whole payload is kept so fields Meta adds later are not lost. */
function mapAttachment(attachment: unknown): AttachmentDraft | string {
  if (!isJsonObject(attachment)) return "is not an object";
  const payload = isJsonObject(attachment.payload) ? attachment.payload : undefined;
  return {
    type: attachment.type,
    url: payload?.url,
    title: payload?.title,
    reelVideoId: optionalId(payload?.reel_video_id),
    payload,
  };
}

/** `message.attachments` as drafts, or a reason naming the attachment that is not one. */
export function mapAttachments(value: unknown): AttachmentDraft[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return "message.attachments is not an array";
  const result: AttachmentDraft[] = [];
  for (const [index, attachment] of value.entries()) {
    const mappedAttachment = mapAttachment(attachment);
    if (typeof mappedAttachment === "string") return `message.attachments[${index}] ${mappedAttachment}`;
    result.push(mappedAttachment);
  }
  return result;
}
