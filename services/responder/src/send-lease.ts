/** How long the publish of a send's outcome may take: the holder's last step on a `sending` claim. */
export const OUTCOME_PUBLISH_TIMEOUT_MS = 5000;

/** Room for a stalled event loop, the final compare-and-set, and clock skew between replicas. */
export const SEND_LEASE_MARGIN_MS = 20_000;

/**
 * How long a `sending` claim is presumed to belong to a live holder. The holder writes `sending` (with its own
 * clock's `at`) just before the Send API call, which gives up after GRAPH_TIMEOUT_MS (one attempt: POSTs are never
 * retried), then marks the claim `sent` at once if Meta accepted, or publishes the failure and marks it `done`.
 * A delivery that finds `sending` within the lease waits and asks again; past it the holder is presumed dead and
 * the send is reported with an unknown outcome.
 * Misjudging it never sends twice (`sending` is never sent again): a lease too short would only report "unknown"
 * for a send still in flight, whose later `reply_sent` the persister keeps over the failure.
 */
export const sendLeaseMs = (graphTimeoutMs: number): number =>
  graphTimeoutMs + OUTCOME_PUBLISH_TIMEOUT_MS + SEND_LEASE_MARGIN_MS;
