import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { withDeadline } from "./deadline.js";
import { type ReadinessResult, safeDetail } from "./readiness.js";
import { initMetrics, metricsRegistry } from "./registry.js";

export interface OpsServerOptions {
  /** Becomes the `service` label of every metric. */
  service: string;
  host: string;
  /** 0: any free port (see `port` of the result). */
  port: number;
  log: Logger;
  readiness: () => Promise<ReadinessResult>;
  /** Longest wait for `readiness` as a whole; its checks carry their own shorter timeouts. */
  readinessTimeoutMs?: number;
}

export interface OpsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operations port of a service, for probes and Prometheus: `GET /health` (liveness: the event loop answers),
 * `GET /ready` (200 or 503 with the checks that failed), `GET /metrics` (text exposition). Nothing else, no
 * request logs, no secrets; bind it to localhost unless the orchestrator needs to reach it.
 */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  initMetrics(opts.service);
  const timeoutMs = opts.readinessTimeoutMs ?? 3000;
  const server = createServer((req, res) => {
    route(req, res, opts.readiness, timeoutMs).catch((err) => {
      opts.log.error({ err: safeDetail(err), path: pathOf(req) }, "ops request failed");
      if (!res.headersSent) send(res, req, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`;
  opts.log.info({ url, endpoints: ["/health", "/ready", "/metrics"] }, "ops server listening");
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  readiness: () => Promise<ReadinessResult>,
  timeoutMs: number,
): Promise<void> {
  const path = pathOf(req);
  if (!["/health", "/ready", "/metrics"].includes(path)) return send(res, req, 404, { error: "not found" });
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(res, req, 405, { error: "method not allowed" });
  }
  if (path === "/health") return send(res, req, 200, { status: "ok", uptimeSeconds: Math.round(process.uptime()) });
  if (path === "/ready") {
    let result: ReadinessResult;
    try {
      result = await withDeadline(readiness(), timeoutMs, "readiness");
    } catch (err) {
      result = { ready: false, checks: { readiness: { ok: false, detail: safeDetail(err) } } };
    }
    return send(res, req, result.ready ? 200 : 503, {
      status: result.ready ? "ready" : "not_ready",
      checks: result.checks,
    });
  }
  const text = await metricsRegistry.metrics();
  res.writeHead(200, { "content-type": metricsRegistry.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : text);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : text);
}
