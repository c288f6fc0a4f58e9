import type { AddressInfo } from "node:net";
import { connectTestNats, deleteNamespaceStreams, rawRequest, sendRawHttp } from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type IngressUnderTest, leakedHarnessSecrets, startIngress } from "../testing/ingress-harness.js";

/*
 * Every admin route, enumerated from the app itself (so a route added later is covered without touching this file),
 * refuses every near miss of `Authorization: Bearer <ADMIN_TOKEN>` with the same 401, and no answer or log line
 * carries the token. No stand-in answers for the responder or the persister: a request that got through would be
 * relayed and answered 503, never 401.
 */

let ingress: IngressUnderTest;
let nc: NatsConnection;
let admin: FastifyInstance;
let port: number;
const logLines: string[] = [];
/** Every answer's status line, headers and body, scanned for secrets at the end. */
const seen: { where: string; text: string }[] = [];

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress({ admin: true, logLines });
  admin = ingress.admin!;
  await admin.listen({ host: "127.0.0.1", port: 0 });
  port = (admin.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await ingress.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc.close();
});

interface Route {
  method: string;
  /** The route's pattern with every parameter filled in. */
  url: string;
}

/** Every method and path the app serves, read from fastify's route tree (`printRoutes`). */
function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const node = /^(.*?)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    prefixes.length = depth;
    prefixes.push(node[2]!);
    const path = prefixes.join("");
    // Parameters (`:a`, `:a|:b` where two routes share a node) and wildcards get a harmless value.
    const url = path.replace(/:[^/]+/g, "x1").replace(/\*/g, "x1");
    for (const method of node[3]?.split(", ") ?? []) routes.push({ method, url });
  }
  return routes;
}

const body = JSON.stringify({ recipient_id: "42", text: "hi" });

function inject(route: Route, headers: Record<string, string>, query = "") {
  return admin.inject({
    method: route.method as "GET",
    url: `${route.url}${query}`,
    headers: { "content-type": "application/json", ...headers },
    ...(route.method === "POST" ? { payload: body } : {}),
  });
}

function record(where: string, status: number, headers: Record<string, unknown>, text: string) {
  seen.push({ where, text: `${status} ${JSON.stringify(headers)} ${text}` });
}

function expectRefusal(where: string, method: string, status: number, headers: Record<string, unknown>, text: string) {
  expect(status, where).toBe(401);
  expect(headers["www-authenticate"], where).toBe("Bearer");
  if (method === "HEAD") return;
  expect(JSON.parse(text), where).toEqual({
    error: { code: "IGDM_ERR_ADMIN_AUTH", message: "a valid admin bearer token is required" },
  });
}

describe("the admin routes", () => {
  it("are found by the enumeration: the send routes and every debug view, each with its methods", () => {
    const found = routesOf(admin).map((r) => `${r.method} ${r.url}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "POST /send/x1",
        "GET /send/x1",
        "GET /debug/messages",
        "GET /debug/pages",
        "GET /debug/tokens",
        "GET /debug/dlq",
      ]),
    );
  });

  it("let the right token through on every route (so the refusals below are the token's doing)", async () => {
    for (const route of routesOf(admin)) {
      const res = await inject(route, { authorization: `Bearer ${ADMIN_TOKEN}` });
      record(`${route.method} ${route.url} with the token`, res.statusCode, res.headers, res.body);
      expect(res.statusCode, `${route.method} ${route.url}`).not.toBe(401);
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBeLessThan(600);
    }
  });
});

describe("every admin route answers 401", () => {
  const T = ADMIN_TOKEN;
  const headerAttempts: [string, Record<string, string>][] = [
    ["no Authorization header", {}],
    ["an empty Authorization header", { authorization: "" }],
    ["the Basic scheme", { authorization: `Basic ${Buffer.from(`admin:${T}`).toString("base64")}` }],
    ["the Basic scheme with the raw token", { authorization: `Basic ${T}` }],
    ["another scheme", { authorization: `Token ${T}` }],
    ["no scheme", { authorization: T }],
    ["a colon after the scheme", { authorization: `Bearer: ${T}` }],
    ["a tab after the scheme", { authorization: `Bearer\t${T}` }],
    ["an empty bearer token", { authorization: "Bearer " }],
    ["the scheme alone", { authorization: "Bearer" }],
    ["a prefix of the token", { authorization: `Bearer ${T.slice(0, -1)}` }],
    ["the token's first character", { authorization: `Bearer ${T.slice(0, 1)}` }],
    ["the token plus a character", { authorization: `Bearer ${T}x` }],
    ["the token followed by another word", { authorization: `Bearer ${T} extra` }],
    ["the token twice in one header", { authorization: `Bearer ${T}, Bearer ${T}` }],
    ["the token upper-cased", { authorization: `Bearer ${T.toUpperCase()}` }],
    ["the token in a cookie", { cookie: `token=${T}; authorization=Bearer%20${T}; admin_token=${T}` }],
    ["the token in other headers", { "x-admin-token": T, "x-api-key": T, "proxy-authorization": `Bearer ${T}` }],
  ];
  const queryAttempts = [
    `?access_token=${T}`,
    `?token=${T}`,
    `?authorization=${encodeURIComponent(`Bearer ${T}`)}`,
    `?admin_token=${T}`,
  ];

  it.each(headerAttempts)("to %s", async (what, headers) => {
    const routes = routesOf(admin);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const route of routes) {
      const res = await inject(route, headers);
      const where = `${what}: ${route.method} ${route.url}`;
      record(where, res.statusCode, res.headers, res.body);
      expectRefusal(where, route.method, res.statusCode, res.headers, res.body);
    }
  });

  it("to the right token in the query string instead of the header", async () => {
    for (const route of routesOf(admin)) {
      for (const query of queryAttempts) {
        const res = await inject(route, {}, query);
        const where = `query ${query.split("=")[0]}: ${route.method} ${route.url}`;
        record(where, res.statusCode, res.headers, res.body);
        expectRefusal(where, route.method, res.statusCode, res.headers, res.body);
      }
    }
  });

  it("to two Authorization headers on the wire, the right token in either or both", async () => {
    const good = `Bearer ${ADMIN_TOKEN}`;
    const bad = "Bearer wrong-token-wrong-token-wrong";
    for (const route of routesOf(admin)) {
      for (const [first, second] of [
        [good, bad],
        [bad, good],
        [good, good],
      ]) {
        const head = [
          `${route.method} ${route.url} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          `Authorization: ${first}`,
          `authorization: ${second}`,
          "Content-Type: application/json",
          `Content-Length: ${route.method === "POST" ? Buffer.byteLength(body) : 0}`,
          "Connection: close",
        ];
        const res = await sendRawHttp(port, rawRequest(head, route.method === "POST" ? body : ""));
        const where = `two headers (${first === good ? "good" : "bad"}, ${second === good ? "good" : "bad"}): ${route.method} ${route.url}`;
        seen.push({ where, text: res.raw });
        expectRefusal(where, route.method, res.status ?? 0, res.headers, res.body);
      }
    }
  });

  it("to an unknown path, before any 404 could tell it exists", async () => {
    const res = await admin.inject({ method: "GET", url: "/no/such/route" });
    record("unknown path", res.statusCode, res.headers, res.body);
    expectRefusal("unknown path", "GET", res.statusCode, res.headers, res.body);
  });

  it("while the right token over the wire, sent once, gets through", async () => {
    const res = await sendRawHttp(
      port,
      rawRequest([
        "GET /debug/dlq HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        `Authorization: Bearer ${ADMIN_TOKEN}`,
        "Connection: close",
      ]),
    );
    seen.push({ where: "one good header on the wire", text: res.raw });
    expect(res.status).not.toBe(401);
  });
});

describe("secrets", () => {
  it("appear in no admin answer and no log line", () => {
    expect(seen.length).toBeGreaterThan(100);
    expect(logLines.some((l) => l.includes("admin request without a valid token"))).toBe(true);
    const leaks = leakedHarnessSecrets(seen, logLines);
    expect(leaks).toEqual([]);
  });
});
