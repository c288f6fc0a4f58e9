import { ListCredentialsReply, ListCredentialsRequest, topology } from "@igdm/contracts";
import { createLogger, RpcFailure, requestRpc } from "@igdm/runtime";
import {
  connectTestNats,
  createMigratedTestDatabase,
  deleteNamespaceStreams,
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
import { ev, FB_USER, PAGE } from "./testing/test-events.js";

const namespace = uniqueNamespace("persvc");
const t = topology(namespace);
const log = createLogger({ service: "persister-test", level: "silent" });
let db: TestDatabase;
let nc: NatsConnection;

beforeAll(async () => {
  db = await createMigratedTestDatabase("igdm_persister_svc");
  nc = await connectTestNats();
});

afterAll(async () => {
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await db?.drop();
});

const listCredentials = () =>
  requestRpc(
    nc,
    t.subjects.rpc("persister", "list-credentials"),
    { request: ListCredentialsRequest, reply: ListCredentialsReply },
    { v: 1 },
    2000,
  );

describe("startPersister", () => {
  it("writes account events from EVENTS and answers list-credentials until it stops", async () => {
    const env = PersisterEnv.parse({
      DATABASE_URL: db.url,
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      LOG_LEVEL: "silent",
    });
    const persister = await startPersister(env, log);
    try {
      const js = jetstream(nc);
      // The page before its user, as a retried batch would deliver them.
      for (const e of [ev.pageConnected({ at: 10 }), ev.userConnected({ at: 0 }), ev.pageSubscription(true)]) {
        await js.publish(t.subjects.event(e.kind), JSON.stringify(e), { msgID: e.id });
      }
      await waitFor(
        async () => {
          const [r] = await db.sql`select count(*)::int as n from token_logs`;
          return r!.n === 3 || undefined;
        },
        { timeoutMs: 10_000, what: "three token_logs rows" },
      );
      const reply = await listCredentials();
      expect(reply).toMatchObject({
        ok: true,
        credentials: [
          { subjectType: "page", subjectId: PAGE, status: "valid", subscribed: true },
          { subjectType: "user", subjectId: FB_USER, status: "valid" },
        ],
      });
    } finally {
      await persister.stop();
    }
    await expect(listCredentials()).rejects.toBeInstanceOf(RpcFailure);
  });
});
