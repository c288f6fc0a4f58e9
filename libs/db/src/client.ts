import postgres from "postgres";

/** The local development server (trust auth); production always passes DATABASE_URL. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export type Sql = postgres.Sql;

export interface SqlOptions {
  /** Pool size; each replica holds at most this many connections. */
  max?: number;
  /** Shown as application_name in pg_stat_activity, so a connection can be traced to its service. */
  application?: string;
}

/** A pooled postgres.js client with production defaults. */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    // Close idle connections so a quiet replica does not pin slots on Supabase's connection limit.
    idle_timeout: 20,
    // Fail fast when the database is unreachable: callers retry with backoff instead of hanging.
    connect_timeout: 10,
    // postgres.js waits up to 20 s between reconnects by default, so queries stalled long after the database was
    // back. Reconnect within 2 s; the consumers' own backoff already spaces out retries.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 2),
    prepare: true,
    // NOTICEs ("relation already exists, skipping", ...) are noise, not errors.
    onnotice: () => {},
    connection: { application_name: options.application ?? "igdm" },
  });
}
