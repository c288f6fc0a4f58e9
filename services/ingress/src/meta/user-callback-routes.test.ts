import { createHash } from "node:crypto";
import { topology, UserCallback } from "@igdm/contracts";
import {
  connectTestNats,
  deleteNamespaceStreams,
  metaSignedRequest,
  readStream,
  signedRequestForm,
  signSignedRequest,
  startNatsServer,
  waitFor,
} from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, INSTAGRAM_APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

let ingress: IngressUnderTest;
let nc: NatsConnection;
let user = 1000;
/** A user id no other test of this file uses, so each test's callbacks are distinct. */
const nextUser = () => String(++user);

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress();
});
afterAll(async () => {
  await ingress.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc.close();
});

/** Every user callback in the WEBHOOKS stream, parsed with its contract. */
async function stored() {
  const t = topology(ingress.namespace);
  return (await readStream(nc, t.streams.webhooks))
    .filter((m) => m.subject.startsWith(t.subjects.userCallbacksAll.slice(0, -1)))
    .map((m) => ({ subject: m.subject, msgId: m.headers["Nats-Msg-Id"], callback: UserCallback.parse(m.json()) }));
}

const post = (path: string, signedRequest: string, host = "ingress.test") => {
  const form = signedRequestForm(signedRequest);
  return ingress.app.inject({ method: "POST", url: path, headers: { ...form.headers, host }, payload: form.payload });
};

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("POST /meta/data-deletion", () => {
  it("publishes one DataDeletionCallback on its subject and answers the status URL and code after the ack", async () => {
    const userId = nextUser();
    const issuedAt = Math.floor(Date.now() / 1000) - 30;
    const request = metaSignedRequest(userId, APP_SECRET, issuedAt);
    const res = await post("/meta/data-deletion", request);
    expect(res.statusCode).toBe(200);
    const { url, confirmation_code } = res.json();
    expect(confirmation_code).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(url).toBe(`http://ingress.test/meta/data-deletion/${confirmation_code}`);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);

    const mine = (await stored()).filter((s) => s.callback.userId === userId);
    expect(mine).toHaveLength(1);
    const [{ subject, msgId, callback }] = mine as [(typeof mine)[number]];
    expect(subject).toBe(topology(ingress.namespace).subjects.userCallback("data_deletion"));
    expect(callback).toEqual({
      v: 1,
      kind: "data_deletion",
      id: sha256(request),
      userId,
      app: "facebook",
      issuedAt: new Date(issuedAt * 1000).toISOString(),
      receivedAt: expect.any(String),
      confirmationCode: confirmation_code,
    });
    expect(msgId).toEqual([`data_deletion:${callback.id}`]);
    // Only what the request said travels, never the signed_request itself.
    expect(JSON.stringify(callback)).not.toContain(request.split(".")[0]);
  });

  it("answers Meta's retry of the same request with the same code and stores it once", async () => {
    const userId = nextUser();
    const request = metaSignedRequest(userId, APP_SECRET);
    const first = await post("/meta/data-deletion", request);
    const second = await post("/meta/data-deletion", request);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(second.json()).toEqual(first.json());
    expect((await stored()).filter((s) => s.callback.userId === userId)).toHaveLength(1);
    // A new request by the same person (another issued_at) is another request with another code.
    const again = await post(
      "/meta/data-deletion",
      metaSignedRequest(userId, APP_SECRET, Math.floor(Date.now() / 1000) - 5),
    );
    expect(again.json().confirmation_code).not.toBe(first.json().confirmation_code);
  });

  it("accepts a request signed with the Instagram app secret and records which app it was", async () => {
    const userId = nextUser();
    const res = await post("/meta/data-deletion", metaSignedRequest(userId, INSTAGRAM_APP_SECRET));
    expect(res.statusCode).toBe(200);
    const [mine] = (await stored()).filter((s) => s.callback.userId === userId);
    expect(mine?.callback).toMatchObject({ app: "instagram", confirmationCode: res.json().confirmation_code });
  });

  it("accepts the signed_request as JSON too, and needs no webhook signature header", async () => {
    const userId = nextUser();
    const res = await ingress.app.inject({
      method: "POST",
      url: "/meta/data-deletion",
      headers: { "content-type": "application/json; charset=utf-8" },
      payload: JSON.stringify({ signed_request: metaSignedRequest(userId, APP_SECRET) }),
    });
    expect(res.statusCode).toBe(200);
    expect((await stored()).filter((s) => s.callback.userId === userId)).toHaveLength(1);
  });

  it.each([
    ["forged", (u: string) => metaSignedRequest(u, "not-the-app-secret")],
    [
      "tampered with after signing",
      (u: string) => {
        const [signature] = metaSignedRequest("1", APP_SECRET).split(".");
        const payload = { algorithm: "HMAC-SHA256", issued_at: Math.floor(Date.now() / 1000), user_id: u };
        return `${signature}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
      },
    ],
    [
      "of another algorithm",
      (u: string) => signSignedRequest({ algorithm: "HMAC-SHA1", issued_at: 1_700_000_000, user_id: u }, APP_SECRET),
    ],
    ["without a user id", (_u: string) => signSignedRequest({ algorithm: "HMAC-SHA256", issued_at: 1 }, APP_SECRET)],
    ["not base64url", (u: string) => `${metaSignedRequest(u, APP_SECRET)}=`],
    ["issued in the future", (u: string) => metaSignedRequest(u, APP_SECRET, Math.floor(Date.now() / 1000) + 86_400)],
  ])("answers 400 IGDM_ERR_SIGNED_REQUEST to a request %s and publishes nothing", async (_, make) => {
    const before = (await stored()).length;
    const res = await post("/meta/data-deletion", make(nextUser()));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: "IGDM_ERR_SIGNED_REQUEST", message: expect.any(String) } });
    expect((await stored()).length).toBe(before);
  });

  it("answers 400 without a signed_request, 413 over 8 KiB, 415 to other content types", async () => {
    const before = (await stored()).length;
    const inject = (payload: string, contentType: string) =>
      ingress.app.inject({
        method: "POST",
        url: "/meta/data-deletion",
        headers: { "content-type": contentType },
        payload,
      });
    const request = metaSignedRequest(nextUser(), APP_SECRET);
    const missing = await inject("other=1", "application/x-www-form-urlencoded");
    const twice = await inject(
      `signed_request=${request}&signed_request=${request}`,
      "application/x-www-form-urlencoded",
    );
    const notString = await inject(JSON.stringify({ signed_request: 42 }), "application/json");
    const badJson = await inject("{nope", "application/json");
    const tooBig = await inject(
      `signed_request=${request}&pad=${"x".repeat(9 * 1024)}`,
      "application/x-www-form-urlencoded",
    );
    const wrongType = await inject(`signed_request=${request}`, "text/plain");
    expect([missing, twice, notString, badJson, tooBig, wrongType].map((r) => r.statusCode)).toEqual([
      400, 400, 400, 400, 413, 415,
    ]);
    expect(missing.json().error.code).toBe("IGDM_ERR_SIGNED_REQUEST");
    expect(badJson.json().error.code).toBe("IGDM_ERR_BAD_REQUEST");
    expect((await stored()).length).toBe(before);
  });
});

describe("POST /meta/deauthorize", () => {
  it("publishes one DeauthorizeCallback and answers {status: ok} after the ack; a retry stores nothing more", async () => {
    const userId = nextUser();
    const request = metaSignedRequest(userId, APP_SECRET);
    const res = await post("/meta/deauthorize", request);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
    expect((await post("/meta/deauthorize", request)).statusCode).toBe(200);

    const mine = (await stored()).filter((s) => s.callback.userId === userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.subject).toBe(topology(ingress.namespace).subjects.userCallback("deauthorize"));
    expect(mine[0]?.callback).toEqual({
      v: 1,
      kind: "deauthorize",
      id: sha256(request),
      userId,
      app: "facebook",
      issuedAt: expect.any(String),
      receivedAt: expect.any(String),
    });
  });

  it("keeps a deauthorize and a deletion that carry the very same signed_request (same user, same second)", async () => {
    const userId = nextUser();
    const request = metaSignedRequest(userId, APP_SECRET);
    expect((await post("/meta/deauthorize", request)).statusCode).toBe(200);
    expect((await post("/meta/data-deletion", request)).statusCode).toBe(200);
    const mine = (await stored()).filter((s) => s.callback.userId === userId);
    expect(mine.map((s) => s.callback.kind).sort()).toEqual(["data_deletion", "deauthorize"]);
    expect(mine.map((s) => s.msgId)).toEqual(mine.map((s) => [`${s.callback.kind}:${sha256(request)}`]));
  });

  it("answers 400 to a forged request and publishes nothing", async () => {
    const before = (await stored()).length;
    const res = await post("/meta/deauthorize", metaSignedRequest(nextUser(), "forged-secret-forged"));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("IGDM_ERR_SIGNED_REQUEST");
    expect((await stored()).length).toBe(before);
  });
});

describe("the status URL handed to Meta", () => {
  it("uses PUBLIC_URL when configured", async () => {
    const other = await startIngress({ env: { PUBLIC_URL: "https://dm.example.com/igdm/" } });
    try {
      const form = signedRequestForm(metaSignedRequest(nextUser(), APP_SECRET));
      const res = await other.app.inject({ method: "POST", url: "/meta/data-deletion", ...form });
      expect(res.json().url).toBe(`https://dm.example.com/igdm/meta/data-deletion/${res.json().confirmation_code}`);
    } finally {
      await other.close();
      await deleteNamespaceStreams(nc, other.namespace);
    }
  });

  it("follows X-Forwarded-Proto and X-Forwarded-Host only when TRUST_PROXY is on", async () => {
    const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "public.example.com" };
    const request = metaSignedRequest(nextUser(), APP_SECRET);
    const form = signedRequestForm(request);
    const direct = await ingress.app.inject({
      method: "POST",
      url: "/meta/data-deletion",
      headers: { ...form.headers, ...forwarded, host: "internal:3000" },
      payload: form.payload,
    });
    expect(direct.json().url).toMatch(/^http:\/\/internal:3000\/meta\/data-deletion\//);

    const proxied = await startIngress({ env: { TRUST_PROXY: "true" } });
    try {
      const res = await proxied.app.inject({
        method: "POST",
        url: "/meta/data-deletion",
        headers: { ...form.headers, ...forwarded, host: "internal:3000" },
        payload: form.payload,
      });
      expect(res.json().url).toMatch(/^https:\/\/public\.example\.com\/meta\/data-deletion\/[A-Za-z0-9]{20}$/);
    } finally {
      await proxied.close();
      await deleteNamespaceStreams(nc, proxied.namespace);
    }
  });
});

describe("while NATS is down", () => {
  it("answers 503 to a valid callback (so Meta retries) and still 400 to a forged one", async () => {
    // Stops its broker, so it runs its own nats-server, never the shared one.
    const server = await startNatsServer();
    const away = await startIngress({ natsUrl: server.url });
    try {
      await server.stop();
      await waitFor(async () => !away.sink.available, { what: "disconnect noticed" });
      const valid = signedRequestForm(metaSignedRequest(nextUser(), APP_SECRET));
      for (const path of ["/meta/data-deletion", "/meta/deauthorize"]) {
        const res = await away.app.inject({ method: "POST", url: path, ...valid });
        expect(res.statusCode, path).toBe(503);
        expect(res.json().error.code).toBe("IGDM_ERR_BROKER_UNAVAILABLE");
      }
      const forged = signedRequestForm(metaSignedRequest(nextUser(), "forged-secret-forged"));
      expect((await away.app.inject({ method: "POST", url: "/meta/deauthorize", ...forged })).statusCode).toBe(400);
    } finally {
      // Back up first: draining a connection that is down fails.
      await server.restart();
      await waitFor(async () => (await away.sink.readiness()).ready, { what: "reconnected" });
      await away.close();
      await server.dispose();
    }
  });
});

describe("logs", () => {
  it("never hold a signed_request, a part of one, or an app secret; rejections say why", async () => {
    const logLines: string[] = [];
    const logged = await startIngress({ logLines });
    try {
      const valid = metaSignedRequest(nextUser(), APP_SECRET);
      const forged = metaSignedRequest(nextUser(), "forged-secret-forged");
      for (const [path, request] of [
        ["/meta/data-deletion", valid],
        ["/meta/deauthorize", valid],
        ["/meta/data-deletion", forged],
        ["/meta/deauthorize", `${valid}=`],
      ] as const) {
        await logged.app.inject({ method: "POST", url: path, ...signedRequestForm(request) });
      }
      const out = logLines.join("");
      expect(out).toContain("user callback stored");
      expect(out).toContain('"reason":"signature"');
      expect(out).toContain('"reason":"malformed"');
      for (const request of [valid, forged]) {
        for (const part of request.split(".")) expect(out).not.toContain(part);
      }
      for (const secret of [APP_SECRET, INSTAGRAM_APP_SECRET]) expect(out).not.toContain(secret);
    } finally {
      await logged.close();
      await deleteNamespaceStreams(nc, logged.namespace);
    }
  });
});
