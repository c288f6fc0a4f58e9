import { type Credential, ListCredentialsReply, ListCredentialsRequest, topology } from "@igdm/contracts";
import { createLogger, requestRpc } from "@igdm/runtime";
import { connectTestNats, uniqueNamespace } from "@igdm/testkit";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { at, ev, FB_USER, IG_ACCOUNT, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { serveListCredentials } from "./list-credentials.js";

const db = useEventsDatabase();
const t = topology(uniqueNamespace("cred"));
const subject = t.subjects.rpc("persister", "list-credentials");
const log = createLogger({ service: "persister-test", level: "silent" });
const DAY = 86_400_000;

let server: NatsConnection;
let client: NatsConnection;
let responder: Subscription;

beforeAll(async () => {
  [server, client] = await Promise.all([connectTestNats(), connectTestNats()]);
  responder = serveListCredentials({ nc: server, sql: db.sql, topology: t, log });
  await server.flush();
});

afterAll(async () => {
  responder?.unsubscribe();
  await Promise.all([server?.drain(), client?.drain()]);
});

const list = () =>
  requestRpc(client, subject, { request: ListCredentialsRequest, reply: ListCredentialsReply }, { v: 1 }, 5000);

async function rawRequest(body: unknown): Promise<unknown> {
  const m = await client.request(subject, new TextEncoder().encode(JSON.stringify(body)), { timeout: 5000 });
  return m.json();
}

describe("list-credentials over NATS", () => {
  it("answers every stored token that is not revoked, with its times, status and subscription", async () => {
    const IG_LOGIN = "17841400000000099";
    const IG_REVOKED = "17841400000000098";
    const REVOKED_USER = "10220000000000003";
    const INVALID_PAGE = "998877665544332";
    const PLACEHOLDER_USER = "10220000000000004";
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0, expiresAt: 60 * DAY }),
      ev.userConnected({ at: 0, userId: REVOKED_USER }),
      ev.pageConnected({ at: 10 }),
      ev.pageConnected({ at: 10, pageId: INVALID_PAGE }),
      ev.pageSubscription(true, { at: 20 }),
      ev.igLinked({ at: 30 }), // Facebook Login: uses its page's token, not listed
      ev.igLinked({ at: 40, igId: IG_LOGIN, loginType: "instagram", expiresAt: null }),
      ev.igLinked({ at: 40, igId: IG_REVOKED, loginType: "instagram" }),
      ev.tokenRefreshed({ at: 50, subjectType: "instagram_account", subjectId: IG_LOGIN, expiresAt: 65 * DAY }),
      ev.reauthNeeded({ at: 60, subjectType: "page", subjectId: INVALID_PAGE }),
      // Only a placeholder user (no token) for this page's user: not a credential.
      ev.pageConnected({ at: 70, pageId: "555555555555555", userId: PLACEHOLDER_USER }),
    ]);
    await db.sql`update users set token_status = 'revoked' where id = ${REVOKED_USER}`;
    await db.sql`update instagram_accounts set token_status = 'revoked' where id = ${IG_REVOKED}`;

    const reply = await list();
    expect(reply.ok).toBe(true);
    const credentials = (reply as { credentials: Credential[] }).credentials;
    expect(credentials).toEqual([
      {
        subjectType: "instagram_account",
        subjectId: IG_LOGIN,
        accessTokenEnc: token(`refreshed-instagram_account:${IG_LOGIN}-50`),
        tokenExpiresAt: at(65 * DAY),
        tokenRefreshedAt: at(50),
        tokenIssuedAt: at(50),
        status: "valid",
      },
      {
        subjectType: "page",
        subjectId: PAGE,
        accessTokenEnc: token("page-10"),
        tokenExpiresAt: null,
        tokenRefreshedAt: null,
        tokenIssuedAt: at(10),
        status: "valid",
        subscribed: true,
      },
      {
        subjectType: "page",
        subjectId: "555555555555555",
        accessTokenEnc: token("page-70"),
        tokenExpiresAt: null,
        tokenRefreshedAt: null,
        tokenIssuedAt: at(70),
        status: "valid",
        subscribed: false,
      },
      {
        subjectType: "page",
        subjectId: INVALID_PAGE,
        accessTokenEnc: token("page-10"),
        tokenExpiresAt: null,
        tokenRefreshedAt: null,
        tokenIssuedAt: at(10),
        status: "invalid",
        subscribed: false,
      },
      {
        subjectType: "user",
        subjectId: FB_USER,
        accessTokenEnc: token("user-0"),
        tokenExpiresAt: at(60 * DAY),
        tokenRefreshedAt: at(0),
        tokenIssuedAt: at(0),
        status: "valid",
      },
    ]);
    const ids = credentials.map((c) => c.subjectId);
    for (const excluded of [IG_ACCOUNT, IG_REVOKED, REVOKED_USER, PLACEHOLDER_USER])
      expect(ids).not.toContain(excluded);
  });

  it("answers an empty list when nothing is connected", async () => {
    expect(await list()).toEqual({ ok: true, credentials: [] });
  });

  it("answers a malformed request with IGDM_ERR_BAD_REQUEST", async () => {
    expect(await rawRequest({ v: 2 })).toMatchObject({ ok: false, code: "IGDM_ERR_BAD_REQUEST" });
  });

  it("answers a database failure with IGDM_ERR_INTERNAL and no details", async () => {
    await db.sql`alter table pages rename to pages_moved`;
    try {
      expect(await list()).toEqual({ ok: false, code: "IGDM_ERR_INTERNAL", message: "internal error" });
    } finally {
      await db.sql`alter table pages_moved rename to pages`;
    }
    expect(await list()).toEqual({ ok: true, credentials: [] });
  });
});
