import { IgdmError, PermanentError, TransientError } from "@igdm/runtime";

/** Socket errors from Node and postgres.js's own connection errors: the statement never ran or was rolled back. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** SQLSTATEs where a retry of the same batch can succeed: server down or busy, lost a race, or a migration pending. */
function isTransientSqlState(code: string): boolean {
  const cls = code.slice(0, 2);
  return (
    cls === "08" || // connection exception
    cls === "53" || // insufficient resources: out of connections, disk or memory
    cls === "42" || // undefined table or column: the schema is behind the code until the migration runs
    code === "57P01" || // admin_shutdown
    code === "57P02" || // crash_shutdown
    code === "57P03" || // cannot_connect_now: starting up or in recovery
    code === "40001" || // serialization_failure
    code === "40P01" // deadlock_detected
  );
}

/** Data exceptions (22) and integrity violations (23): the same batch fails the same way every time. */
function isPermanentSqlState(code: string): boolean {
  const cls = code.slice(0, 2);
  return cls === "22" || cls === "23";
}

/** The SQLSTATE of an error the server sent; by name, not instanceof, so a second copy of postgres.js still matches. */
function serverSqlState(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  return err.name === "PostgresError" && typeof code === "string" ? code : undefined;
}

/** The code of the error, or of the first error inside an AggregateError (Node's happy-eyeballs connect). */
function connectionCode(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return code;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const innerCode = inner instanceof Error ? connectionCode(inner) : undefined;
      if (innerCode) return innerCode;
    }
  }
  return undefined;
}

/**
 * Maps a database failure to what the worker should do with the batch: TransientError (retry with backoff),
 * PermanentError (dead-letter), or the original error when neither is known. The original is kept as `cause`.
 */
export function classifyDbError(err: unknown): Error {
  if (err instanceof IgdmError) return err;
  if (!(err instanceof Error)) return new Error(String(err), { cause: err });
  const sqlState = serverSqlState(err);
  if (sqlState) {
    const message = `database error ${sqlState}: ${err.message}`;
    if (isTransientSqlState(sqlState)) return new TransientError(message, { cause: err });
    if (isPermanentSqlState(sqlState)) return new PermanentError(message, { cause: err });
    return err;
  }
  const code = connectionCode(err);
  if (code) return new TransientError(`database unreachable (${code}): ${err.message}`, { cause: err });
  return err;
}
