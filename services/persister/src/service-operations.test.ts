import {
  AccessRevoked,
  DebugDeadLettersReply,
  DebugDeadLettersRequest,
  DeletionStatusReply,
  DeletionStatusRequest,
  DomainEvent,
  topology,
} from "@igdm/contracts";
import { createLogger, requestRpc } from "@igdm/runtime";
import {
  connectTestNats,
  createMigratedTestDatabase,
  deleteNamespaceStreams,
  readStream,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PersisterEnv } from "./env.js";
import { startPersister } from "./service.js";
import { DEAD_TOKEN, deadLetter } from "./testing/dead-letters.js";
import { callback, ev, FB_USER, IG_ACCOUNT, PAGE } from "./testing/test-events.js";
import { persistEvents } from "./writes/persist-events.js";

/*
 * The persister's operations durables end to end over the real NATS and PostgreSQL: callbacks from WEBHOOKS,
 * dead letters from the DLQ, and the debug and deletion-status answers.
 */

const namespace = uniqueNamespace("persops");
const t = topology(namespace);
const log = createLogger({ service: "persister-test", level: "silent" });
let db: TestDatabase;
let nc: NatsConnection;
let persister: Awaited<ReturnType<typeof startPersister>>;

beforeAll(async () => {
  db = await createMigratedTestDatabase("igdm_persister_ops");
  nc = await connectTestNats();
  const env = PersisterEnv.parse({
    DATABASE_URL: db.url,
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: "silent",
  });
  persister = await startPersister(env, log);
});

afterAll(async () => {
  await persister?.stop();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await db?.drop();
});

const publish = (subject: string, body: unknown, msgID: string) =>
  jetstream(nc).publish(subject, typeof body === "string" ? body : JSON.stringify(body), { msgID });

async function accessRevokedEvents(): Promise<AccessRevoked[]> {
  const messages = await readStream(nc, t.streams.events);
  return messages
    .filter((m) => m.subject === t.subjects.event("access_revoked"))
    .map((m) => AccessRevoked.parse(DomainEvent.parse(m.json())));
}

/** Waits for at least one access_revoked event with that reason. */
const revokedEvents = (reason: AccessRevoked["reason"]) =>
  waitFor(
    async () => {
      const events = (await accessRevokedEvents()).filter((e) => e.reason === reason);
      return events.length > 0 ? events : undefined;
    },
    { what: `access_revoked (${reason})` },
  );

describe("persister operations over NATS", () => {
  it("revokes on a deauthorize callback, then publishes access_revoked once", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 }), ev.igLinked({ at: 20 })]);
    const cb = callback.deauthorize(FB_USER, { at: 1000 });
    await publish(t.subjects.userCallback("deauthorize"), cb, cb.id);
    const [event] = await revokedEvents("deauthorized");
    expect(event).toEqual({
      v: 1,
      id: `access_revoked:${cb.kind}:${cb.id}`,
      occurredAt: cb.issuedAt,
      kind: "access_revoked",
      userId: FB_USER,
      reason: "deauthorized",
      pageIds: [PAGE],
      igIds: [IG_ACCOUNT],
    });
    // Published only after the commit: the rows already say revoked.
    const rows = await db.sql`
      select token_status, access_token_enc from users union all select token_status, access_token_enc from pages`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { token_status: "revoked", access_token_enc: null },
      { token_status: "revoked", access_token_enc: null },
    ]);

    // Meta sends it again (past JetStream's de-duplication): nothing changes, the event is not published twice.
    await publish(t.subjects.userCallback("deauthorize"), cb, `${cb.id}:again`);
    await waitFor(
      async () => {
        const info = await (await jetstream(nc).consumers.get(t.streams.webhooks, "persister-user-callbacks")).info();
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { what: "the redelivered callback handled" },
    );
    expect((await accessRevokedEvents()).filter((e) => e.reason === "deauthorized")).toHaveLength(1);
    const [logs] = await db.sql`select count(*)::int as n from token_logs where event = 'revoked'`;
    expect(logs!.n).toBe(3);
  });

  it("deletes on a data-deletion callback, publishes access_revoked and answers deletion-status", async () => {
    const other = "10220000000000002";
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0, userId: other }),
      ev.pageConnected({ at: 10, userId: other, pageId: "112233445566779" }),
    ]);
    const cb = callback.dataDeletion(FB_USER, { at: 2000 });
    await publish(t.subjects.userCallback("data_deletion"), cb, cb.id);
    const status = () =>
      requestRpc(
        nc,
        t.subjects.rpc("persister", "deletion-status"),
        { request: DeletionStatusRequest, reply: DeletionStatusReply },
        { v: 1, confirmationCode: cb.confirmationCode },
        2000,
      );
    const reply = await waitFor(async () => {
      const r = await status();
      return r.ok ? r : undefined;
    });
    expect(reply).toMatchObject({
      status: "completed",
      deleted: { users: 1, pages: 1, instagram_accounts: 1, token_logs: 6, messages: 0 },
    });
    const [deletion] = await revokedEvents("data_deleted");
    expect(deletion).toMatchObject({ id: `access_revoked:${cb.kind}:${cb.id}`, pageIds: [PAGE], igIds: [IG_ACCOUNT] });
    const users = await db.sql`select id from users`;
    expect(users.map((r) => r.id)).toEqual([other]);
  });

  it("stores dead letters from the DLQ, readable or not, without ever dead-lettering one itself", async () => {
    await publish(t.subjects.dlq("normalizer"), deadLetter({ service: "normalizer" }), "dlq:a");
    await publish(t.subjects.dlq("responder"), "\u0000 not a dead letter", "dlq:b");
    await publish(t.subjects.dlq("token-refresher"), { v: 1, service: "token-refresher" }, "dlq:c");
    const list = () =>
      requestRpc(
        nc,
        t.subjects.rpc("persister", "debug-dlq"),
        { request: DebugDeadLettersRequest, reply: DebugDeadLettersReply },
        { v: 1 },
        2000,
      );
    const reply = await waitFor(async () => {
      const r = await list();
      return r.ok && r.deadLetters.length === 3 ? r : undefined;
    });
    const byService = Object.fromEntries(reply.deadLetters.map((d) => [d.service, d]));
    expect(byService.normalizer).toMatchObject({ stream: "EVENTS", streamSeq: 42 });
    expect(byService.responder).toMatchObject({ reason: expect.stringMatching(/^unreadable dead letter: not JSON/) });
    expect(byService["token-refresher"]).toMatchObject({
      reason: expect.stringMatching(/^unreadable dead letter: /),
      stream: "",
    });
    expect(JSON.stringify(reply)).not.toContain(DEAD_TOKEN);
    // Nothing went back to the DLQ: it holds the three messages published here and nothing else.
    expect(await readStream(nc, t.streams.dlq)).toHaveLength(3);
    expect(persister.runners.reduce((n, r) => n + r.stats.deadLettered, 0)).toBe(0);
  });
});
