/**
 * Test support (not exported from the package): a real `node:http` server on 127.0.0.1 with canned, Meta-shaped
 * answers per method and path, recording every request. Deliberately tiny; the full fake Meta is @igdm/meta-sandbox.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Raw body as received. */
  body: string;
  /** The body parsed as JSON or as a form, by content type. */
  json: unknown;
  form: URLSearchParams | undefined;
}

export interface Canned {
  status?: number;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

/** A fixed answer, one answer per call in order (the last one repeats), or a function of the request. */
export type Route = Canned | Canned[] | ((req: RecordedRequest, server: FakeGraph) => Canned);

export interface FakeGraph {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Requests to one path (any method), in order. */
  to(path: string): RecordedRequest[];
  on(method: string, path: string, route: Route): void;
  close(): Promise<void>;
}

export function metaErrorBody(
  code: number,
  message: string,
  extra: { subcode?: number; type?: string; fbtraceId?: string } = {},
) {
  return {
    error: {
      message,
      type: extra.type ?? "OAuthException",
      code,
      ...(extra.subcode === undefined ? {} : { error_subcode: extra.subcode }),
      fbtrace_id: extra.fbtraceId ?? "AbCdEfTrace",
    },
  };
}

export async function startFakeGraph(routes: Record<string, Route> = {}): Promise<FakeGraph> {
  const table = new Map<string, Route>(Object.entries(routes));
  const calls = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let fake: FakeGraph;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      const type = req.headers["content-type"] ?? "";
      let json: unknown;
      if (type.includes("json")) json = JSON.parse(body);
      const form = type.includes("x-www-form-urlencoded") ? new URLSearchParams(body) : undefined;
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
        form,
      };
      requests.push(recorded);
      const key = `${recorded.method} ${recorded.path}`;
      const route = table.get(key);
      let canned: Canned;
      if (route === undefined) {
        canned = { status: 404, body: metaErrorBody(100, `Unknown path ${key}`, { type: "GraphMethodException" }) };
      } else if (typeof route === "function") {
        canned = route(recorded, fake);
      } else if (Array.isArray(route)) {
        const n = calls.get(key) ?? 0;
        calls.set(key, n + 1);
        canned = route[Math.min(n, route.length - 1)]!;
      } else {
        canned = route;
      }
      if (canned.hang) return;
      const isText = typeof canned.body === "string";
      res.writeHead(canned.status ?? 200, {
        "content-type": isText ? "text/html" : "application/json; charset=UTF-8",
        "x-fb-trace-id": "HdrTrace123",
        ...canned.headers,
      });
      res.end(canned.body === undefined ? "" : isText ? (canned.body as string) : JSON.stringify(canned.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake = {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((r) => r.path === path),
    on: (method, path, route) => {
      table.set(`${method} ${path}`, route);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return fake;
}

export const TEST_APP = {
  appId: "1234567890",
  appSecret: "app-secret-0123456789abcdef",
  igAppId: "9876543210",
  igAppSecret: "ig-app-secret-fedcba9876543210",
} as const;

/** Every base URL of a client config pointed at one fake server, with fast retries. */
export function fakeGraphConfig(fake: FakeGraph) {
  return {
    ...TEST_APP,
    graphBaseUrl: fake.url,
    igGraphBaseUrl: fake.url,
    igApiBaseUrl: fake.url,
    retryBaseDelayMs: 1,
    timeoutMs: 2000,
  };
}
