import { allStreams, consumers, DomainEvent, RawWebhook } from "@igdm/contracts";
import { createSql } from "@igdm/db";
import { type Logger, startWorker, streamSettingsFromEnv, topologyFromEnv } from "@igdm/runtime";
import { classifyDbError } from "./db-errors.js";
import type { PersisterEnv } from "./env.js";
import { persistEvents } from "./writes/persist-events.js";
import { persistWebhookLogs } from "./writes/webhook-logs.js";

/** Rethrows a database failure classified: transient ones wait and retry, data errors dead-letter. */
async function classified(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw classifyDbError(err);
  }
}

/**
 * The only service with database credentials. Two durables: the raw log (WEBHOOKS) and the domain events
 * (EVENTS); each batch is one transaction, acked only after it committed.
 */
export async function startPersister(env: PersisterEnv, log: Logger) {
  const topology = topologyFromEnv(env);
  const sql = createSql(env.DATABASE_URL, { max: env.DB_POOL_MAX, application: "igdm-persister" });
  const worker = await startWorker({
    service: "persister",
    env,
    log,
    topology,
    streams: allStreams(topology, streamSettingsFromEnv(env)),
    consumers: () => {
      const defs = consumers(topology);
      return [
        {
          definition: defs.persisterWebhookLog,
          schema: RawWebhook,
          maxBatch: env.PERSISTER_MAX_BATCH,
          handle: (batch) =>
            classified(() =>
              persistWebhookLogs(
                sql,
                batch.map((d) => ({ raw: d.data, streamSeq: d.streamSeq })),
              ),
            ),
        },
        {
          definition: defs.persisterEvents,
          schema: DomainEvent,
          maxBatch: env.PERSISTER_MAX_BATCH,
          handle: (batch) =>
            classified(() =>
              persistEvents(
                sql,
                batch.map((d) => d.data),
              ),
            ),
        },
      ];
    },
  });
  return {
    ...worker,
    sql,
    stop: async () => {
      await worker.stop();
      await sql.end({ timeout: 5 });
    },
  };
}
