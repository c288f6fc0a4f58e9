import { z } from "zod";
import { MetaId } from "./event-base.js";

/**
 * Published by the persister once a deauthorize or data-deletion callback is committed: from now on no token of
 * these accounts exists or may be used. Every responder replica listens, so no cached credential outlives it.
 */
export const AccessRevoked = z.object({
  v: z.literal(1),
  /** `access_revoked:<callback kind>:<callback id>`: a redelivered callback publishes the same event, de-duplicated by JetStream. */
  id: z.string().min(1).max(512),
  occurredAt: z.iso.datetime(),
  kind: z.literal("access_revoked"),
  userId: MetaId,
  reason: z.enum(["deauthorized", "data_deleted"]),
  /** Pages and Instagram accounts whose tokens were revoked or deleted. */
  pageIds: z.array(MetaId),
  igIds: z.array(MetaId),
});
export type AccessRevoked = z.infer<typeof AccessRevoked>;
