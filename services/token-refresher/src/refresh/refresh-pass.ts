import { type Credential, ListCredentialsReply, ListCredentialsRequest, type Topology } from "@igdm/contracts";
import { type Logger, publishEvents, RpcFailure, requestRpc } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { countRefreshOutcomes } from "../metrics.js";
import { type RefreshContext, refreshCredential } from "./refresh-credential.js";

export interface PassResult {
  checked: number;
  events: number;
}

/** Runs the pass over every credential the persister holds (invalid and revoked ones are left for their owner). */
export async function runRefreshPass(opts: {
  nc: NatsConnection;
  js: JetStreamClient;
  topology: Topology;
  ctx: RefreshContext;
  log: Logger;
}): Promise<PassResult> {
  const { nc, js, topology, ctx, log } = opts;
  const answer = await requestRpc(
    nc,
    topology.subjects.rpc("persister", "list-credentials"),
    { request: ListCredentialsRequest, reply: ListCredentialsReply },
    { v: 1 },
    15_000,
  );
  if (!answer.ok) throw new RpcFailure(answer.code, answer.message);
  const due = answer.credentials.filter((c: Credential) => c.status === "valid" || c.status === "expiring");
  let published = 0;
  for (const cred of due) {
    const events = await refreshCredential(ctx, cred);
    await publishEvents(js, topology, events, { timeoutMs: 5000 });
    countRefreshOutcomes(cred.subjectType, events);
    published += events.length;
    for (const e of events)
      log.info({ kind: e.kind, subjectType: cred.subjectType, subjectId: cred.subjectId }, "token pass outcome");
  }
  return { checked: due.length, events: published };
}
