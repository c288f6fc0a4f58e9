import type { Referral } from "@igdm/contracts";
import type { JsonObject } from "./json-values.js";
import { optionalId } from "./json-values.js";

export type ReferralDraft = { [K in keyof Referral]: unknown };

/** Meta's referral (top-level, or inside a click-to-DM ad message) in the contract's names. */
export function mapReferral(referral: JsonObject): ReferralDraft {
  return {
    ref: referral.ref,
    source: referral.source,
    type: referral.type,
    adId: optionalId(referral.ad_id),
    adsContextData: referral.ads_context_data,
  };
}
