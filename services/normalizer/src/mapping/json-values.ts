/** A parsed JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object's keys, sorted, for reasons that name what an unknown item carried. */
export function describeKeys(value: JsonObject): string {
  const keys = Object.keys(value).sort();
  return keys.length > 0 ? keys.join(", ") : "none";
}

/**
 * A required Meta id as a string. Meta sends ids as JSON strings; a JSON number is converted with String(), which
 * is exact only up to 2^53 (JSON.parse has already rounded anything larger, so nothing better is possible here).
 */
export function requiredId(value: unknown): string | undefined {
  if (typeof value === "string") return value.length > 0 ? value : undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An optional id: numbers become strings, anything else passes through for the contract to judge. */
export function optionalId(value: unknown): unknown {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : value;
}

/** `value[key]` when value is an object, else undefined: for optional nested fields. */
export function field(value: unknown, key: string): unknown {
  return isJsonObject(value) ? value[key] : undefined;
}

/**
 * A copy without undefined-valued keys, at any depth: drafts name every contract field, and zod would otherwise
 * carry `key: undefined` into the event, where `"key" in event` and JSON would disagree.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (!isJsonObject(value)) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutUndefined(v)])) as T;
}
