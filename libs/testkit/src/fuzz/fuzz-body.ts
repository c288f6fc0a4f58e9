import fc from "fast-check";

/**
 * valid: a Meta body every part of which the normalizer maps to a typed event. nearly-valid: a Meta body with fields
 * missing, of the wrong type or extra. garbage: anything else a sender could put on the wire.
 */
export type BodyFamily = "valid" | "nearly-valid" | "garbage";

/** A generated request body, labelled so a failure says what kind of body broke the property. */
export interface FuzzBody {
  family: BodyFamily;
  /** What was generated, e.g. "deep-nesting(4000, item)". */
  kind: string;
  bytes: Buffer;
}

const PREVIEW = 160;

/** A body that prints as its label, size and first bytes: a 60 KB counterexample stays readable. */
export function fuzzBody(family: BodyFamily, kind: string, bytes: Buffer | string): FuzzBody {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  return {
    family,
    kind,
    bytes: buf,
    [fc.toStringMethod]: () => {
      const head = JSON.stringify(buf.subarray(0, PREVIEW).toString("latin1"));
      return `${family}:${kind} (${buf.length} bytes) ${head}${buf.length > PREVIEW ? "…" : ""}`;
    },
  } as FuzzBody;
}
