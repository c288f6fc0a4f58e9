import { z } from "zod";
import { MetaId } from "./event-base.js";

/**
 * Meta's deauthorize and data-deletion callbacks, after ingress verified their `signed_request`. ingress publishes
 * them on `<prefix>igdm.webhooks.user.<kind>` (the WEBHOOKS stream: like a webhook, a 200 means it is durable);
 * the persister acts on them. Nothing of the signed_request itself travels: only what it said.
 */
const userCallbackBase = {
  v: z.literal(1),
  /** sha256 (hex) of the signed_request: Meta delivering the same callback twice is one request. */
  id: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest"),
  /** App-scoped id of the person: the Facebook user (Facebook Login) or the Instagram user (Instagram Login). */
  userId: MetaId,
  /** Which app's secret verified the signature. */
  app: z.enum(["facebook", "instagram"]),
  issuedAt: z.iso.datetime(),
  receivedAt: z.iso.datetime(),
};

/** The person removed the app: their tokens are dead and must never be used again. */
export const DeauthorizeCallback = z.object({
  ...userCallbackBase,
  kind: z.literal("deauthorize"),
});
export type DeauthorizeCallback = z.infer<typeof DeauthorizeCallback>;

/** The person asked for their data to be deleted; `confirmationCode` keys the status page Meta links to. */
export const DataDeletionCallback = z.object({
  ...userCallbackBase,
  kind: z.literal("data_deletion"),
  confirmationCode: z.string().regex(/^[A-Za-z0-9]{16,64}$/, "expected 16 to 64 letters or digits"),
});
export type DataDeletionCallback = z.infer<typeof DataDeletionCallback>;

export const UserCallback = z.discriminatedUnion("kind", [DeauthorizeCallback, DataDeletionCallback]);
export type UserCallback = z.infer<typeof UserCallback>;
export type UserCallbackKind = UserCallback["kind"];
