import type { z } from "zod";
import { HttpError } from "../http-error.js";
import { RELAY_STATUS } from "../relay-call.js";

/** Which HTTP status an error code from the responder or the persister (or the relay itself) becomes. */
const STATUS: Record<string, number> = {
  ...RELAY_STATUS,
  IGDM_ERR_OUTSIDE_WINDOW: 409,
  IGDM_ERR_NO_SENDER: 404,
  IGDM_ERR_NOT_FOUND: 404,
  IGDM_ERR_BAD_REQUEST: 400,
};

export const badRequest = (message: string) => new HttpError(400, "IGDM_ERR_BAD_REQUEST", message);

/** Parses params, a query or a body; a mismatch is a 400 naming every offending field. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where = "body"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(result.error.issues.map((i) => `${i.path.join(".") || `(${where})`}: ${i.message}`).join("; "));
}

/** An error answer from another service (or from the relay: 503 unavailable, 504 no answer in time). */
export function upstreamError(answer: { code: string; message: string }, what: string): HttpError {
  const status = STATUS[answer.code] ?? 502;
  if (status === 503) return new HttpError(503, answer.code, `${what} is temporarily unavailable`);
  if (status === 504) return new HttpError(504, answer.code, `${what} did not answer in time`);
  return new HttpError(status, answer.code, answer.message);
}
