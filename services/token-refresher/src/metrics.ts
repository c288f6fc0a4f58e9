import type { AccountEvent } from "@igdm/contracts";
import { counter } from "@igdm/runtime";

export const tokensRefreshed = counter(
  "igdm_tokens_refreshed_total",
  "Tokens exchanged or refreshed for fresh ones by the refresh pass, by subject type",
  ["subject_type"],
);

export const tokensInvalidated = counter(
  "igdm_tokens_invalidated_total",
  "Tokens found dead (re-authentication needed) by the refresh pass, by subject type",
  ["subject_type"],
);

export const tokenRefreshFailures = counter(
  "igdm_token_refresh_failures_total",
  "Refresh attempts that failed for a reason that may pass (tried again next pass), by subject type",
  ["subject_type"],
);

export const tokensValidated = counter(
  "igdm_tokens_validated_total",
  "Page tokens debug_token found valid in the refresh pass",
  ["subject_type"],
);

export const accountsConnected = counter(
  "igdm_accounts_connected_total",
  "Accounts connected through the OAuth flow, by flow (facebook, instagram)",
  ["flow"],
);

/** Counts the outcomes of one credential's refresh, once they are published. */
export function countRefreshOutcomes(subjectType: string, events: readonly AccountEvent[]): void {
  for (const e of events) {
    if (e.kind === "token_refreshed") tokensRefreshed.inc({ subject_type: subjectType });
    else if (e.kind === "reauth_needed") tokensInvalidated.inc({ subject_type: subjectType });
    else if (e.kind === "token_refresh_failed") tokenRefreshFailures.inc({ subject_type: subjectType });
    else if (e.kind === "token_validated") tokensValidated.inc({ subject_type: subjectType });
  }
}
