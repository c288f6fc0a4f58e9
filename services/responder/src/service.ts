import { allStreams, consumers, MessageReceived, SendRequested } from "@igdm/contracts";
import { TokenCipher } from "@igdm/crypto";
import {
  type BatchFailures,
  type Delivery,
  type Logger,
  startWorker,
  streamSettingsFromEnv,
  topologyFromEnv,
} from "@igdm/runtime";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { Subscription } from "@nats-io/transport-node";
import { autoReply } from "./auto-reply.js";
import { forgetCredentialsOnChange } from "./credential-events.js";
import type { ResponderEnv } from "./env.js";
import { serveManualSend } from "./manual-send.js";
import { PersisterClient } from "./persister-client.js";
import { RateLimiter } from "./rate-limiter.js";
import { openReplyClaims } from "./reply-claim.js";
import { sendApiClient } from "./send-api-client.js";
import { sendLeaseMs } from "./send-lease.js";
import { sendOnce } from "./send-once.js";

/** Automatic replies (durable on message events) and manual sends (request/reply, then a durable on commands). */
export async function startResponder(env: ResponderEnv, log: Logger) {
  const topology = topologyFromEnv(env);
  const cipher = TokenCipher.fromKeys(env.TOKEN_ENCRYPTION_KEYS);
  const graph = sendApiClient(env, log);
  const limiter = new RateLimiter(env.SEND_RATE_PER_SECOND);
  let persister: PersisterClient | undefined;
  let credentialEvents: Subscription[] = [];
  const worker = await startWorker({
    service: "responder",
    env,
    log,
    topology,
    streams: allStreams(topology, streamSettingsFromEnv(env)),
    consumers: async (js, nc) => {
      const kvm = new Kvm(js);
      const [claims, cooldowns] = await Promise.all([
        openReplyClaims(kvm, topology, env.NATS_REPLICAS),
        kvm.create(topology.kv.replyCooldowns, {
          ttl: env.REPLY_COOLDOWN_SECONDS * 1000,
          history: 1,
          replicas: env.NATS_REPLICAS,
        }),
      ]);
      persister = new PersisterClient(nc, topology, {
        rulesMs: env.RULES_CACHE_SECONDS * 1000,
        credentialsMs: env.CREDENTIALS_CACHE_SECONDS * 1000,
      });
      // Every replica, on the connection its consumers read from, before they start: no cached credential
      // outlives a revocation or a newer token.
      credentialEvents = forgetCredentialsOnChange({ nc, topology, persister, log });
      const deps = {
        js,
        topology,
        graph,
        cipher,
        persister,
        limiter,
        claims,
        sendLeaseMs: sendLeaseMs(env.GRAPH_TIMEOUT_MS),
        cooldowns,
        log,
        defaultText: env.DEFAULT_REPLY_TEXT,
      };
      const defs = consumers(topology);
      return [
        {
          definition: defs.responderMessages,
          schema: MessageReceived,
          maxBatch: env.RESPONDER_MAX_BATCH,
          concurrency: env.RESPONDER_CONCURRENCY,
          // Messages of a batch are independent: answered concurrently, each failure settled on its own (a retry
          // of one never resends the others: their claims are taken).
          handle: (batch) => settleEach(batch, (d) => autoReply(deps, d)),
        },
        {
          definition: defs.responderSends,
          schema: SendRequested,
          maxBatch: env.RESPONDER_MAX_BATCH,
          concurrency: env.RESPONDER_CONCURRENCY,
          handle: (batch) =>
            settleEach(batch, ({ data }) =>
              sendOnce(deps, {
                sendId: data.commandId,
                accountId: data.accountId,
                recipientId: data.recipientId,
                text: data.text,
              }),
            ),
        },
      ];
    },
  });
  const manual = serveManualSend({ nc: worker.nc, js: jetstream(worker.nc), topology, persister: persister!, log });
  log.info("responder ready");
  return {
    readiness: () => worker.readiness(),
    stop: async () => {
      manual.unsubscribe();
      for (const sub of credentialEvents) sub.unsubscribe();
      await worker.stop();
    },
  };
}

/** Runs `work` for every delivery at once and reports only the ones that failed. */
async function settleEach<T>(
  batch: Delivery<T>[],
  work: (d: Delivery<T>) => Promise<unknown>,
): Promise<BatchFailures<T>> {
  const results = await Promise.allSettled(batch.map(work));
  return results.flatMap((r, i) =>
    r.status === "rejected" ? [{ delivery: batch[i]!, error: r.reason as unknown }] : [],
  );
}
