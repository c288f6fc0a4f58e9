import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, SANDBOX_USER_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  freePort,
  instagramTextWebhook,
  metaSignedRequest,
  type NatsServerHandle,
  signedRequestForm,
  startNatsServer,
  waitFor,
} from "@igdm/testkit";
import { AckPolicy, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, type ServiceName, startPipeline } from "./pipeline.js";

/*
 * deploy/nats/nats.conf, run by a private nats-server: every service connects as its own user, on production's
 * subjects and streams (no namespace), and does its whole job; the same credentials in a plain client cannot step
 * outside it. Ingress cannot publish domain events, read KV or listen to another service's replies; the normalizer
 * cannot make requests, read KV or publish events it does not produce; the responder cannot pose as ingress.
 */

const CONFIG = resolve(import.meta.dirname, "../../deploy/nats/nats.conf");
const SERVICES: ServiceName[] = ["ingress", "normalizer", "persister", "token-refresher", "responder"];
type User = ServiceName | "admin";
// A letter first: the config parser would read an all-digit value as a number (see nats.conf).
const passwords = Object.fromEntries(
  [...SERVICES, "admin"].map((u) => [u, `p${randomBytes(16).toString("hex")}`]),
) as Record<User, string>;
const passwordEnv = Object.fromEntries(
  Object.entries(passwords).map(([u, pw]) => [`NATS_${u.toUpperCase().replace("-", "_")}_PASSWORD`, pw]),
);

/** sync_interval arrived in nats-server 2.10; this machine's 2.9 refuses the whole file because of it. */
function serverKnowsSyncInterval(): boolean {
  const out = execFileSync(process.env.NATS_SERVER_BIN ?? "nats-server", ["--version"]).toString();
  const [major = 0, minor = 0] = (/v(\d+)\.(\d+)/.exec(out) ?? []).slice(1).map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

/** The shipped file with only its store directory made private (and sync_interval dropped on a 2.9 server). */
function shippedConfig(storeDir: string): string {
  const replace = (text: string, pattern: RegExp, by: string) => {
    if (!pattern.test(text)) throw new Error(`nats.conf no longer matches ${pattern}: update this test`);
    return text.replace(pattern, by);
  };
  const conf = replace(readFileSync(CONFIG, "utf8"), /store_dir: \/data/, `store_dir: "${storeDir}"`);
  return serverKnowsSyncInterval() ? conf : replace(conf, /^\s*sync_interval: always$/m, "");
}

let server: NatsServerHandle;
let sandbox: MetaSandbox;
let pipeline: Pipeline;
let admin: NatsConnection;
let adminJsm: JetStreamManager;
const clients: NatsConnection[] = [];

/** A plain client with a service's credentials and its inbox prefix (or the client's default, `_INBOX`). */
async function connectAs(user: ServiceName, opts: { sharedInbox?: boolean } = {}) {
  const nc = await connect({
    servers: server.url,
    user,
    pass: passwords[user],
    ...(opts.sharedInbox ? {} : { inboxPrefix: `_INBOX_${user}` }),
  });
  clients.push(nc);
  return nc;
}

/** A request (JetStream publishes and API calls included) the server refused: the refusal is its cause. */
const violation = (operation: "publish" | "subscription", subject?: string) => {
  const refusal = expect.objectContaining({
    name: "PermissionViolationError",
    operation,
    ...(subject ? { subject } : {}),
  });
  return expect.objectContaining({ message: expect.stringMatching(/Permissions Violation/), cause: refusal });
};
/** A subscription the server refused: it closes with the refusal. */
const subscriptionRefused = (subject: string) =>
  expect.objectContaining({ name: "PermissionViolationError", operation: "subscription", subject });

beforeAll(async () => {
  // The monitoring port is the file's 8222 unless moved: a flag wins over the file.
  server = await startNatsServer({
    config: shippedConfig,
    env: passwordEnv,
    args: ["-m", String(await freePort())],
  });
  admin = await connect({ servers: server.url, user: "admin", pass: passwords.admin });
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: SERVICES,
    nats: { url: server.url, namespace: "" },
    env: { ...sandbox.env, APP_SECRET },
    serviceEnv: Object.fromEntries(SERVICES.map((s) => [s, { NATS_USER: s, NATS_PASSWORD: passwords[s] }])),
  });
  adminJsm = await jetstreamManager(admin);
}, 120_000);
afterAll(async () => {
  for (const nc of clients) await nc.close();
  await admin?.close();
  await pipeline?.stop();
  await sandbox?.close();
  await server?.dispose();
});

const user = "9300000000000001";
const mid = "mid.permissions.1";
/** The responder's claim for the reply to `mid` (send-once.ts: sha256 of the send id). */
const claimKey = createHash("sha256").update(`reply:${mid}`).digest("hex");
const sentTo = (to: string) => sandbox.state.sentMessages.filter((m) => m.recipient === to && m.accepted);

async function adminGet<T>(path: string): Promise<T> {
  const res = await fetch(`${pipeline.adminUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("the compose NATS config's users", () => {
  it("let every service do its whole job as itself", async () => {
    const service = (name: ServiceName) => pipeline.processes.find((p) => p.name === name)!;
    // The pass at start-up: its lease in KV, then the credentials from the persister.
    await service("token-refresher").waitForLog("refresh pass done");
    await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);

    expect(await pipeline.post(instagramTextWebhook(mid, "hello", { from: user }))).toBe(200);
    await waitFor(async () => (await pipeline.db.sql`select 1 from messages where message_id = ${mid}`).length === 1, {
      what: "the DM stored",
    });
    await waitFor(async () => sentTo(user).length === 1, { what: "the automatic reply" });
    // Once the responder has acked every message event no second reply can be on its way.
    await waitFor(async () => {
      const info = await adminJsm.consumers.info("EVENTS", "responder-messages");
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    expect(sentTo(user)).toHaveLength(1);

    // Not a Meta envelope: dead-lettered. Over 1 MB as well, past NATS's default max_payload.
    const big = JSON.stringify({ object: "not-meta", pad: "x".repeat(2 * 1024 * 1024) });
    expect(await pipeline.post(big)).toBe(200);
    await waitFor(
      async () =>
        (await adminGet<{ dead_letters: { service: string }[] }>("/debug/dlq?service=normalizer")).dead_letters
          .length === 1,
      { what: "the dead letter in the debug view" },
    );
    const { messages } = await adminGet<{ messages: { text: string | null; direction: string }[] }>(
      `/debug/messages?ig_id=${SANDBOX_SHOP_IG_ID}`,
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ text: "hello", direction: "inbound" }),
        expect.objectContaining({ text: "Thanks for your message!", direction: "outbound" }),
      ]),
    );

    // Deauthorize: ingress publishes the callback, the persister announces access_revoked, the responder hears it.
    const form = signedRequestForm(metaSignedRequest(SANDBOX_USER_ID, APP_SECRET));
    const res = await fetch(`${pipeline.ingressUrl}/meta/deauthorize`, {
      method: "POST",
      headers: form.headers,
      body: form.payload,
    });
    expect(res.status).toBe(200);
    await service("responder").waitForLog("access revoked; cached credentials dropped");

    // Nothing the services did was refused, not even once (subscriptions included, e.g. the advisories).
    expect(server.log()).not.toMatch(/Violation/);
    for (const p of pipeline.processes) expect(p.output()).not.toMatch(/Permissions Violation/i);
  });

  it("keep ingress to publishing webhooks and relaying requests", async () => {
    const nc = await connectAs("ingress");
    // What ingress does works from a plain client too: the refusals below are the permissions, not the client.
    const pages = await nc.request("igdm.rpc.persister.debug-pages", JSON.stringify({ v: 1 }), { timeout: 5000 });
    expect(pages.json()).toHaveProperty("pages");

    const event = JSON.stringify({ kind: "message" });
    await expect(jetstream(nc).publish("igdm.events.message", event, { msgID: "forged" })).rejects.toEqual(
      violation("publish", "igdm.events.message"),
    );
    const jsm = await jetstreamManager(nc);
    const claim = `$KV.REPLY_CLAIMS.${claimKey}`;
    await expect(jsm.direct.getMessage("KV_REPLY_CLAIMS", { last_by_subj: claim })).rejects.toEqual(
      violation("publish", `$JS.API.DIRECT.GET.KV_REPLY_CLAIMS.${claim}`),
    );
    expect(await nc.subscribe("$KV.REPLY_CLAIMS.>").closed).toEqual(subscriptionRefused("$KV.REPLY_CLAIMS.>"));
    expect(await nc.subscribe("_INBOX_persister.>").closed).toEqual(subscriptionRefused("_INBOX_persister.>"));
    await expect(
      nc.request("igdm.rpc.persister.sender-credential", JSON.stringify({ v: 1, accountId: SANDBOX_SHOP_IG_ID })),
    ).rejects.toEqual(violation("publish", "igdm.rpc.persister.sender-credential"));
    await expect(
      jsm.consumers.add("EVENTS", {
        durable_name: "spy",
        filter_subject: "igdm.events.>",
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toEqual(violation("publish", "$JS.API.CONSUMER.CREATE.EVENTS.spy.igdm.events.>"));

    // The shared _INBOX prefix is nobody's: a client without its service's prefix cannot even get replies.
    const shared = await connectAs("ingress", { sharedInbox: true });
    await expect(shared.request("igdm.rpc.persister.debug-pages", JSON.stringify({ v: 1 }))).rejects.toEqual(
      violation("subscription"),
    );
    // The server recorded the refusals, so the first test's clean log means something.
    expect(server.log()).toMatch(/Publish Violation.*igdm\.events\.message/);
  });

  it("keep the normalizer from requests, KV and events it does not produce", async () => {
    const nc = await connectAs("normalizer");
    await expect(nc.request("igdm.rpc.responder.send", JSON.stringify({ v: 1 }))).rejects.toEqual(
      violation("publish", "igdm.rpc.responder.send"),
    );
    const claim = `$KV.REPLY_CLAIMS.${claimKey}`;
    await expect(
      (await jetstreamManager(nc)).direct.getMessage("KV_REPLY_CLAIMS", { last_by_subj: claim }),
    ).rejects.toEqual(violation("publish", `$JS.API.DIRECT.GET.KV_REPLY_CLAIMS.${claim}`));
    await expect(jetstream(nc).publish("igdm.events.send_requested", "{}", { msgID: "forged" })).rejects.toEqual(
      violation("publish", "igdm.events.send_requested"),
    );
  });

  it("keep the responder from posing as ingress, while it reads its own claims", async () => {
    const nc = await connectAs("responder");
    const claim = await (await jetstreamManager(nc)).direct.getMessage("KV_REPLY_CLAIMS", {
      last_by_subj: `$KV.REPLY_CLAIMS.${claimKey}`,
    });
    expect(claim?.json()).toMatchObject({ sendId: `reply:${mid}` });
    await expect(jetstream(nc).publish("igdm.webhooks.raw", "{}", { msgID: "forged" })).rejects.toEqual(
      violation("publish", "igdm.webhooks.raw"),
    );
  });
});
