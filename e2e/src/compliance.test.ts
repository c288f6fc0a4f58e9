import {
  type MetaSandbox,
  SANDBOX_BLOG_PAGE_ID,
  SANDBOX_SHOP_IG_ID,
  SANDBOX_SHOP_PAGE_ID,
  SANDBOX_USER_ID,
  startMetaSandbox,
} from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  findLeakedSecrets,
  instagramTextWebhook,
  malformedBodies,
  metaSignedRequest,
  parsePrometheusText,
  signedRequestForm,
  waitFor,
} from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

/*
 * The operations and compliance surface against the whole stack and the fake Meta: the debug views show what the
 * earlier flows wrote, Meta's deauthorize and data-deletion callbacks do what they promise (and a forged one does
 * nothing), and no response or log line anywhere holds a token, a ciphertext or a secret.
 */

let sandbox: MetaSandbox;
let pipeline: Pipeline;
/** Every response body the test saw, scanned for secrets at the end. */
const seen: string[] = [];
/** Every ciphertext the database ever held for the sandbox's accounts. */
const ciphertexts = new Set<string>();

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "normalizer", "persister", "token-refresher", "responder"],
    env: { ...sandbox.env, APP_SECRET, OPERATOR_NAME: "Acme <Shop>", OPERATOR_CONTACT_EMAIL: "privacy@acme.test" },
  });
  await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
  await rememberCiphertexts();
});
afterAll(async () => {
  await pipeline?.stop();
  await sandbox?.close();
});

async function rememberCiphertexts() {
  const rows = await pipeline.db.sql<{ enc: string }[]>`
    select access_token_enc as enc from users where access_token_enc is not null
    union all select access_token_enc from pages where access_token_enc is not null
    union all select access_token_enc from instagram_accounts where access_token_enc is not null`;
  for (const r of rows) ciphertexts.add(r.enc);
}

async function fetchText(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, init);
  const body = await res.text();
  seen.push(body, JSON.stringify(Object.fromEntries(res.headers)));
  return { status: res.status, body };
}

async function admin<T>(path: string): Promise<{ status: number; json: T }> {
  const { status, body } = await fetchText(`${pipeline.adminUrl}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status, json: JSON.parse(body) as T };
}

function callback(path: "/meta/data-deletion" | "/meta/deauthorize", signedRequest: string) {
  const form = signedRequestForm(signedRequest);
  return fetchText(`${pipeline.ingressUrl}${path}`, { method: "POST", headers: form.headers, body: form.payload });
}

const signed = (userId: string, secret = APP_SECRET) => metaSignedRequest(userId, secret);

let seq = 0;
/** A DM from `user` to the shop's Instagram account (the sandbox's connected one). */
const dm = (user: string, text: string) => instagramTextWebhook(`mid.compliance.${++seq}`, text, { from: user });
const sentTo = (user: string) => sandbox.state.sentMessages.filter((m) => m.recipient === user && m.accepted);
const settle = () => waitUntilSettled(pipeline.namespace);

/** Row counts of everything tied to the sandbox user's accounts. */
async function heldAboutSandboxUser() {
  const [row] = await pipeline.db.sql<Record<string, number>[]>`
    select
      (select count(*)::int from users where id = ${SANDBOX_USER_ID}) as users,
      (select count(*)::int from pages where id in (${SANDBOX_SHOP_PAGE_ID}, ${SANDBOX_BLOG_PAGE_ID})) as pages,
      (select count(*)::int from instagram_accounts where id = ${SANDBOX_SHOP_IG_ID}) as instagram_accounts,
      (select count(*)::int from messages where ig_id = ${SANDBOX_SHOP_IG_ID}) as messages,
      (select count(*)::int from outbound_sends where account_id = ${SANDBOX_SHOP_IG_ID}) as outbound_sends,
      (select count(*)::int from token_logs
        where subject_id in (${SANDBOX_USER_ID}, ${SANDBOX_SHOP_PAGE_ID}, ${SANDBOX_BLOG_PAGE_ID})) as token_logs`;
  return row!;
}

describe("debug views on the admin port", () => {
  it("show the messages, pages, tokens and dead letters the earlier flows wrote", async () => {
    const user = "9200000000000001";
    expect(await pipeline.post(dm(user, "hello shop"))).toBe(200);
    await waitFor(async () => sentTo(user).length === 1, { what: "the automatic reply" });
    const malformed = malformedBodies.notJson!;
    expect(await pipeline.post(malformed)).toBe(200);
    await settle();

    const messages = await admin<{ messages: { text: string | null; direction: string | null }[] }>(
      `/debug/messages?ig_id=${SANDBOX_SHOP_IG_ID}&limit=5`,
    );
    expect(messages.status).toBe(200);
    expect(messages.json.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ text: "hello shop", direction: "inbound" }),
        expect.objectContaining({ text: "Thanks for your message!", direction: "outbound" }),
      ]),
    );
    expect(messages.json.messages.length).toBeLessThanOrEqual(5);

    const pages = await admin<{ pages: { id: string; subscribed: boolean; token_status?: string }[] }>("/debug/pages");
    expect(pages.status).toBe(200);
    expect(pages.json.pages.map((p) => p.id).sort()).toEqual([SANDBOX_SHOP_PAGE_ID, SANDBOX_BLOG_PAGE_ID].sort());
    expect(JSON.stringify(pages.json)).toContain(SANDBOX_SHOP_IG_ID);
    for (const p of pages.json.pages) expect(p.subscribed).toBe(true);

    const tokens = await admin<{ tokens: { subject_id: string; fingerprint: string | null; status: string }[] }>(
      "/debug/tokens",
    );
    expect(tokens.status).toBe(200);
    const ids = tokens.json.tokens.map((t) => t.subject_id);
    expect(ids).toEqual(expect.arrayContaining([SANDBOX_USER_ID, SANDBOX_SHOP_PAGE_ID, SANDBOX_BLOG_PAGE_ID]));
    for (const t of tokens.json.tokens) {
      expect(t.status).toBe("valid");
      expect(t.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    }

    const dlq = await admin<{ dead_letters: { service: string; reason: string }[] }>("/debug/dlq");
    expect(dlq.status).toBe(200);
    expect(dlq.json.dead_letters).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: "normalizer", reason: expect.any(String) })]),
    );

    expect((await fetchText(`${pipeline.adminUrl}/debug/tokens`)).status).toBe(401);
    expect((await admin("/debug/messages?limit=100000")).status).toBe(400);
  });
});

describe("Meta's callbacks", () => {
  it("serves the privacy policy with the operator's name and contact", async () => {
    const { status, body } = await fetchText(`${pipeline.ingressUrl}/privacy`);
    expect(status).toBe(200);
    expect(body).toContain("Acme &lt;Shop&gt;");
    expect(body).toContain("privacy@acme.test");
  });

  it("refuses a forged deletion or deauthorize request and changes nothing", async () => {
    const before = await heldAboutSandboxUser();
    expect(before.pages).toBe(2);
    const forged = signed(SANDBOX_USER_ID, "not-the-app-secret-at-all");
    expect((await callback("/meta/data-deletion", forged)).status).toBe(400);
    expect((await callback("/meta/deauthorize", forged)).status).toBe(400);
    const [sig, payload] = signed(SANDBOX_USER_ID).split(".");
    const tampered = `${sig}.${Buffer.from(JSON.stringify({ algorithm: "HMAC-SHA256", issued_at: 1, user_id: "1" })).toString("base64url")}`;
    expect(payload).not.toBe(tampered.split(".")[1]);
    expect((await callback("/meta/data-deletion", tampered)).status).toBe(400);
    await settle();
    expect(await heldAboutSandboxUser()).toEqual(before);
    const [status] = await pipeline.db.sql`select token_status from pages where id = ${SANDBOX_SHOP_PAGE_ID}`;
    expect(status).toEqual({ token_status: "valid" });
  });

  it("stops every automatic reply for a deauthorized user's page", async () => {
    const first = "9200000000000002";
    expect(await pipeline.post(dm(first, "before"))).toBe(200);
    await waitFor(async () => sentTo(first).length === 1, { what: "a reply while authorized" });

    const res = await callback("/meta/deauthorize", signed(SANDBOX_USER_ID));
    expect(res.status).toBe(200);
    await waitFor(
      async () => {
        const rows = await pipeline.db.sql<{ n: number }[]>`
          select count(*)::int as n from pages where user_id = ${SANDBOX_USER_ID} and token_status = 'revoked'
            and access_token_enc is null`;
        return rows[0]?.n === 2;
      },
      { what: "the user's pages revoked" },
    );
    const [user] = await pipeline.db
      .sql`select token_status, access_token_enc from users where id = ${SANDBOX_USER_ID}`;
    expect(user).toEqual({ token_status: "revoked", access_token_enc: null });

    const second = "9200000000000003";
    expect(await pipeline.post(dm(second, "after"))).toBe(200);
    await waitFor(async () => (await pipeline.db.sql`select 1 from messages where sender_id = ${second}`).length, {
      what: "the message stored",
    });
    await settle();
    expect(sentTo(second)).toHaveLength(0);
    const tokens = await admin<{ tokens: { subject_id: string; status: string }[] }>("/debug/tokens");
    expect(tokens.json.tokens.find((t) => t.subject_id === SANDBOX_SHOP_PAGE_ID)?.status).toBe("revoked");
  });

  it("deletes everything held about the user and reports it on the status page", async () => {
    expect((await heldAboutSandboxUser()).messages).toBeGreaterThan(0);
    const request = signed(SANDBOX_USER_ID);
    const res = await callback("/meta/data-deletion", request);
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body) as { url: string; confirmation_code: string };
    expect(answer.confirmation_code).toMatch(/^[A-Za-z0-9]{16,64}$/);
    expect(answer.url).toBe(`${pipeline.ingressUrl}/meta/data-deletion/${answer.confirmation_code}`);
    // Meta retrying the same request gets the same code.
    expect(JSON.parse((await callback("/meta/data-deletion", request)).body)).toEqual(answer);

    const page = await waitFor(
      async () => {
        const r = await fetchText(answer.url);
        return r.status === 200 && /completed/i.test(r.body) ? r : undefined;
      },
      { what: "the status page to say completed" },
    );
    expect(page.body).toContain(answer.confirmation_code);
    expect(await heldAboutSandboxUser()).toEqual({
      users: 0,
      pages: 0,
      instagram_accounts: 0,
      messages: 0,
      outbound_sends: 0,
      token_logs: 0,
    });
    expect((await fetchText(`${pipeline.ingressUrl}/meta/data-deletion/${"Z".repeat(20)}`)).status).toBe(404);
    const metrics = parsePrometheusText(await (await fetch(`${pipeline.opsUrl("persister")}/metrics`)).text());
    expect(metrics.value("igdm_user_callbacks_applied_total", { kind: "data_deletion" })).toBeGreaterThanOrEqual(1);
    expect(metrics.value("igdm_user_callbacks_applied_total", { kind: "deauthorize" })).toBe(1);
  });
});

describe("secrets", () => {
  it("appear in no response and no log line of any service", async () => {
    const secrets: Record<string, string> = {
      APP_SECRET,
      ADMIN_TOKEN,
      ...Object.fromEntries(sandbox.state.tokens.map((t, i) => [`sandbox token ${i}`, t.token])),
      ...Object.fromEntries([...ciphertexts].map((c, i) => [`ciphertext ${i}`, c])),
    };
    expect(sandbox.state.tokens.length).toBeGreaterThanOrEqual(3);
    expect(ciphertexts.size).toBeGreaterThanOrEqual(3);
    const logs = pipeline.processes.map((p) => ({ where: `${p.name} log`, text: p.output() }));
    expect(logs.map((l) => l.text).join("").length).toBeGreaterThan(0);
    // Plain, URL-, JSON-, base64- and hex-encoded; the report names the secret and the text, never the secret.
    const texts = [...seen.map((text, i) => ({ where: `response ${i}`, text })), ...logs];
    expect(findLeakedSecrets(texts, secrets)).toEqual([]);
  });
});
