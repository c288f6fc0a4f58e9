import { z } from "zod";
import { ConfigError } from "./errors.js";

/** Unset and empty are the same thing in .env files and compose files. */
const blankToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** Any schema, reading an empty variable as unset. */
export const fromEnv = <S extends z.ZodType>(schema: S) => z.preprocess(blankToUndefined, schema);
export const requiredString = () => fromEnv(z.string({ error: "is required" }).min(1));
export const urlDefault = (fallback: string) => fromEnv(z.url().default(fallback));

export const port = (fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65535).default(fallback));
export const positiveInt = (fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().positive().default(fallback));
export const optionalString = () => z.preprocess(blankToUndefined, z.string().optional());
export const requiredSecret = (minLength = 8) =>
  z.preprocess(
    blankToUndefined,
    z.string({ error: "is required" }).min(minLength, `must be at least ${minLength} characters`),
  );
export const urlWithScheme = (schemes: string[], fallback: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .default(fallback)
      .refine((v) => v.split(",").every((u) => schemes.some((s) => u.trim().startsWith(`${s}://`))), {
        message: `must be a ${schemes.join(" or ")} URL`,
      }),
  );

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Variables every service reads the same way. */
export const commonEnv = {
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(LOG_LEVELS).default("info")),
  NATS_URL: urlWithScheme(["nats", "tls"], "nats://127.0.0.1:4222"),
  NATS_USER: optionalString(),
  NATS_PASSWORD: optionalString(),
  NATS_CREDS_FILE: optionalString(),
  /** Prefix for every stream and subject; empty in production, unique per test. */
  NATS_NAMESPACE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,30}$/)
      .default(""),
  ),
  NATS_REPLICAS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(5).default(1)),
  WEBHOOKS_MAX_AGE_DAYS: positiveInt(7),
  EVENTS_MAX_AGE_DAYS: positiveInt(7),
  DLQ_MAX_AGE_DAYS: positiveInt(30),
  DUPLICATE_WINDOW_SECONDS: positiveInt(900),
  SHUTDOWN_TIMEOUT_MS: positiveInt(15_000),
  /** Retry backoff for failed messages: doubles from the base up to the cap, with jitter. */
  RETRY_BASE_MS: positiveInt(1000),
  RETRY_MAX_MS: positiveInt(60_000),
};

export type CommonEnv = z.infer<z.ZodObject<typeof commonEnv>>;

/** Parses `source` with `schema`; a ConfigError names every bad variable (never its value: it may be a secret). */
export function parseEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const unset = source[name] === undefined || source[name] === "";
    // Schemas from other libs may already name the variable in their message.
    const message = issue.code === "invalid_type" && unset ? "is required" : issue.message.replace(`${name}: `, "");
    return `${name}: ${message}`;
  });
  throw new ConfigError(problems);
}

/** Start-up helper: parse or print a readable message and exit 78 (EX_CONFIG) before anything else happens. */
export function loadEnv<S extends z.ZodObject>(
  service: string,
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  try {
    return parseEnv(schema, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exit(78);
  }
}
