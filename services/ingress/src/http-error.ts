import { IgdmError } from "@igdm/runtime";

/** An error with a stable code and the HTTP status it maps to (after fastify's own errors). */
export class HttpError extends IgdmError {
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.statusCode = statusCode;
  }
}

export const errors = {
  signatureMissing: () => new HttpError(401, "IGDM_ERR_SIGNATURE_MISSING", "X-Hub-Signature-256 header is required"),
  signatureMalformed: () =>
    new HttpError(403, "IGDM_ERR_SIGNATURE_MALFORMED", "X-Hub-Signature-256 must be sha256=<64 hex digits>"),
  signatureMismatch: () => new HttpError(403, "IGDM_ERR_SIGNATURE_INVALID", "signature does not match the body"),
  emptyBody: () => new HttpError(400, "IGDM_ERR_EMPTY_BODY", "request body is empty"),
  handshakeRejected: () => new HttpError(403, "IGDM_ERR_HANDSHAKE", "verification failed"),
  brokerUnavailable: () => new HttpError(503, "IGDM_ERR_BROKER_UNAVAILABLE", "temporarily unable to store the event"),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpError(429, "IGDM_ERR_RATE_LIMITED", `too many requests; retry in ${retryAfterSeconds} s`),
  publishFailed: (cause: unknown) =>
    new HttpError(503, "IGDM_ERR_PUBLISH_FAILED", "temporarily unable to store the event", { cause }),
};
