import type { Sql } from "@igdm/db";
import { mergeReadiness, type ReadinessCheck, type ReadinessResult, runReadinessChecks } from "@igdm/runtime";

/**
 * PostgreSQL answers `select 1`. While one probe's query is still waiting (the database is unreachable and the pool
 * keeps trying), later probes wait on the same query instead of queueing more.
 */
export function databaseCheck(sql: Sql): ReadinessCheck {
  let pending: Promise<unknown> | undefined;
  return async () => {
    pending ??= sql`select 1`.execute().finally(() => {
      pending = undefined;
    });
    await pending;
  };
}

/** The worker's checks (NATS, durables) and the database, run at once. */
export function persisterReadiness(persister: {
  readiness(): Promise<ReadinessResult>;
  sql: Sql;
}): () => Promise<ReadinessResult> {
  const database = databaseCheck(persister.sql);
  return async () => {
    const [worker, own] = await Promise.all([persister.readiness(), runReadinessChecks({ database })]);
    return mergeReadiness(worker, own);
  };
}
