import { allStreams, consumers, DomainEvent, RawWebhook } from "@igdm/contracts";
import { createSql } from "@igdm/db";
import { type Logger, startWorker, streamSettingsFromEnv, topologyFromEnv } from "@igdm/runtime";
import { classifyDbError } from "./db-errors.js";
import type { PersisterEnv } from "./env.js";
import { serveLastInbound } from "./rpc/last-inbound.js";
import { serveListCredentials } from "./rpc/list-credentials.js";
import { serveReplyRules } from "./rpc/reply-rules.js";
import { serveSendStatus } from "./rpc/send-status.js";
import { serveSenderCredential } from "./rpc/sender-credential.js";
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
 * (EVENTS); each batch is one transaction, acked only after it committed. Answers read requests over NATS
 * request/reply as the `persister` queue group.
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
  const rpcOpts = { nc: worker.nc, sql, topology, log };
  const rpcs = [
    serveListCredentials(rpcOpts),
    serveSenderCredential(rpcOpts),
    serveReplyRules(rpcOpts),
    serveLastInbound(rpcOpts),
    serveSendStatus(rpcOpts),
  ];
  return {
    ...worker,
    sql,
    stop: async () => {
      // Stop taking requests first, so no new one starts on a closing connection or pool.
      for (const sub of rpcs) sub.unsubscribe();
      await worker.stop();
      await sql.end({ timeout: 5 });
    },
  };
}
