/**
 * The project's error hierarchy. Every error has a stable `code`; workers decide what to do with a failed message
 * from its class alone: permanent ones are dead-lettered, everything else is retried with backoff.
 */
export class IgdmError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Retrying cannot help (bad payload, a bug's assertion, a rejected request): dead-letter with the reason. */
export class PermanentError extends IgdmError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? "IGDM_PERMANENT", message, options);
  }
}

/** A dependency is down or busy (database, Graph API 5xx, rate limit): retry later, never drop. */
export class TransientError extends IgdmError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? "IGDM_TRANSIENT", message, options);
  }
}

/** A message on the bus that does not match its contract. */
export class SchemaError extends PermanentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: "IGDM_SCHEMA" });
  }
}

/** Invalid environment at start-up; the message names every bad variable. */
export class ConfigError extends IgdmError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("IGDM_CONFIG", `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
