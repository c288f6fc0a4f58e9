import { type AccessRevoked, allStreams, consumers, DomainEvent, RawWebhook, UserCallback } from "@igdm/contracts";
import { createSql, type Sql } from "@igdm/db";
import {
  errorMessage,
  type Logger,
  publishEvents,
  startWorker,
  streamSettingsFromEnv,
  TransientError,
  topologyFromEnv,
} from "@igdm/runtime";
import { z } from "zod";
import { classifyDbError } from "./db-errors.js";
import type { PersisterEnv } from "./env.js";
import { deadLettersStored, userCallbacksApplied } from "./metrics.js";
import { serveDebugDeadLetters } from "./rpc/debug-dlq.js";
import { serveDebugMessages } from "./rpc/debug-messages.js";
import { serveDebugPages } from "./rpc/debug-pages.js";
import { serveDebugTokens } from "./rpc/debug-tokens.js";
import { serveDeletionStatus } from "./rpc/deletion-status.js";
import { serveLastInbound } from "./rpc/last-inbound.js";
import { serveListCredentials } from "./rpc/list-credentials.js";
import { serveReplyRules } from "./rpc/reply-rules.js";
import { serveSendStatus } from "./rpc/send-status.js";
import { serveSenderCredential } from "./rpc/sender-credential.js";
import { persistDeadLetters } from "./writes/dead-letters.js";
import { persistEvents } from "./writes/persist-events.js";
import { applyUserCallback, recordFailedDeletion } from "./writes/user-callbacks.js";
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
 * Applies a deauthorize or data-deletion callback in one transaction. A deletion that fails for a reason retrying
 * cannot fix is recorded as failed (the status page then says so) before the message is dead-lettered.
 */
async function applyCallback(sql: Sql, callback: UserCallback, log: Logger): Promise<AccessRevoked> {
  try {
    return await applyUserCallback(sql, callback);
  } catch (err) {
    const failure = classifyDbError(err);
    if (callback.kind === "data_deletion" && !(failure instanceof TransientError)) {
      await recordFailedDeletion(sql, callback, errorMessage(failure)).catch((recordErr: unknown) =>
        log.error({ err: recordErr, callback: callback.id }, "could not record a failed deletion"),
      );
    }
    throw failure;
  }
}

/**
 * The only service with database credentials. Four durables: the raw log (WEBHOOKS), the domain events (EVENTS),
 * the deauthorize and data-deletion callbacks (WEBHOOKS) and the dead letters (DLQ, into dead_letters); each batch
 * is one transaction, acked only after it committed. Answers read requests over NATS
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
    consumers: (js) => {
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
        {
          // One callback per transaction; the access_revoked event is published only once it committed (its id
          // de-duplicates a redelivery's), and the message is acked only once that publish was acknowledged.
          definition: defs.persisterUserCallbacks,
          schema: UserCallback,
          maxBatch: 1,
          handle: async (batch) => {
            for (const { data } of batch) {
              const event = await applyCallback(sql, data, log);
              await publishEvents(js, topology, [event], { timeoutMs: 5000 });
              userCallbacksApplied.inc({ kind: data.kind });
              log.info(
                { kind: data.kind, callback: data.id, pages: event.pageIds.length, accounts: event.igIds.length },
                "user callback applied",
              );
            }
          },
        },
        {
          // Reads the DLQ itself, so it must never dead-letter: raw bytes in, whatever can be read is stored, and
          // only transient failures (the database is down) are thrown.
          definition: defs.persisterDeadLetters,
          schema: z.instanceof(Uint8Array),
          payload: "bytes" as const,
          maxBatch: env.PERSISTER_MAX_BATCH,
          handle: async (batch) => {
            await persistDeadLetters(
              sql,
              batch.map((d) => ({ dlqSeq: d.streamSeq, subject: d.subject, bytes: d.data, storedAt: d.msg.time })),
            );
            deadLettersStored.inc(batch.length);
          },
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
    serveDebugMessages(rpcOpts),
    serveDebugPages(rpcOpts),
    serveDebugTokens(rpcOpts),
    serveDebugDeadLetters(rpcOpts),
    serveDeletionStatus(rpcOpts),
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
