import { counter, histogram } from "@igdm/runtime";

/** In-process counters for what the edge did, readable on /health; the same events feed Prometheus (/metrics). */
export interface IngressStats {
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  unavailable: number;
}

export const createStats = (): IngressStats => ({ accepted: 0, duplicates: 0, rejected: {}, unavailable: 0 });

/** Process-wide Prometheus counters (one registry per process, whatever the number of apps built in it). */
export const webhookMetrics = {
  received: counter("igdm_webhooks_received_total", "POST /webhook requests received, before any check"),
  rejected: counter(
    "igdm_webhooks_rejected_total",
    "Webhooks refused, by reason (signature_missing, signature_malformed, signature_mismatch, empty_body, " +
      "body_too_large, unsupported_media_type)",
    ["reason"],
  ),
  published: counter(
    "igdm_webhooks_published_total",
    "Verified webhooks acknowledged by JetStream, by result (stored, duplicate)",
    ["result"],
  ),
  unavailable: counter(
    "igdm_webhooks_unavailable_total",
    "Verified webhooks answered 503 because NATS was down or did not acknowledge in time",
  ),
  publishDuration: histogram(
    "igdm_webhook_publish_duration_seconds",
    "Time from publishing a verified webhook to JetStream's ack (or failure)",
  ),
};

/** Requests the public rate limits (public-rate-limit.ts) refused; the route label is the pattern, never the URL. */
export const rateLimitedRequests = counter(
  "igdm_ingress_rate_limited_total",
  "Requests to the public OAuth and Meta callback routes answered 429, by route pattern (POST /webhook is never limited)",
  ["route"],
);

export function countRejection(stats: IngressStats, reason: string): void {
  stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
  webhookMetrics.rejected.inc({ reason });
}

export function countPublished(stats: IngressStats, duplicate: boolean): void {
  if (duplicate) stats.duplicates++;
  else stats.accepted++;
  webhookMetrics.published.inc({ result: duplicate ? "duplicate" : "stored" });
}

export function countUnavailable(stats: IngressStats): void {
  stats.unavailable++;
  webhookMetrics.unavailable.inc();
}
