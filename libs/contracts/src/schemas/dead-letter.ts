import { z } from "zod";

/**
 * A message a service gave up on, with why. The original bytes are kept so an operator can fix and republish it.
 */
export const DeadLetter = z.object({
  v: z.literal(1),
  service: z.string().min(1),
  stream: z.string().min(1),
  consumer: z.string().min(1),
  subject: z.string().min(1),
  streamSeq: z.number().int().nonnegative(),
  deliveryCount: z.number().int().nonnegative(),
  reason: z.string().min(1),
  failedAt: z.iso.datetime(),
  /** The original payload, base64. */
  payload: z.base64(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
