import { createLogger } from "@igdm/runtime";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import { describe, expect, it } from "vitest";
import { lazyRequestLoggers } from "./lazy-request-logger.js";

async function appLoggingTo(lines: string[]) {
  const log = createLogger({ service: "test", level: "info", destination: { write: (l: string) => lines.push(l) } });
  const children = { made: 0 };
  // Counts every child built (pino's children inherit this from the root logger, hence `this`).
  const child = log.child;
  log.child = function (this: typeof log, ...args: Parameters<typeof log.child>) {
    children.made++;
    return child.apply(this, args);
  } as typeof log.child;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLoggers,
  });
  app.get("/quiet", async (req) => {
    req.log.debug({ detail: 1 }, "not written at info");
    return "ok";
  });
  app.get("/loud", async (req) => {
    req.log.warn({ detail: 2 }, "written");
    req.log.warn("written again");
    return "ok";
  });
  app.get("/verbose", { logLevel: "debug" }, async (req) => {
    req.log.debug("a route's own level still applies");
    return "ok";
  });
  app.get("/nested", async (req, reply) => {
    req.log.child({ step: "publish" }).error({ err: new Error("boom") }, "failed");
    reply.log.warn("via the reply");
    return "ok";
  });
  await app.ready();
  children.made = 0;
  return { app, children };
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("lazy request loggers", () => {
  it("build no child logger for a request that writes nothing", async () => {
    const lines: string[] = [];
    const { app, children } = await appLoggingTo(lines);
    const res = await app.inject({ method: "GET", url: "/quiet" });
    expect(res.statusCode).toBe(200);
    expect(lines).toEqual([]);
    expect(children.made).toBe(0);
    await app.close();
  });

  it("write a request's lines through one child bound to its request id", async () => {
    const lines: string[] = [];
    const { app, children } = await appLoggingTo(lines);
    await app.inject({ method: "GET", url: "/loud" });
    await app.inject({ method: "GET", url: "/loud" });
    const written = parsed(lines);
    expect(written.map((l) => l.msg)).toEqual(["written", "written again", "written", "written again"]);
    expect(written[0]).toMatchObject({ level: 40, service: "test", detail: 2, reqId: expect.any(String) });
    expect(written[1]!.reqId).toBe(written[0]!.reqId);
    expect(written[2]!.reqId).not.toBe(written[0]!.reqId);
    expect(children.made).toBe(2);
    await app.close();
  });

  it("honour a route's log level, and carry the request id into nested children and the reply's logger", async () => {
    const lines: string[] = [];
    const { app } = await appLoggingTo(lines);
    await app.inject({ method: "GET", url: "/verbose" });
    await app.inject({ method: "GET", url: "/nested" });
    const written = parsed(lines);
    expect(written[0]).toMatchObject({
      level: 20,
      msg: "a route's own level still applies",
      reqId: expect.any(String),
    });
    expect(written[1]).toMatchObject({
      level: 50,
      step: "publish",
      err: { message: "boom" },
      reqId: expect.any(String),
    });
    expect(written[2]).toMatchObject({ level: 40, msg: "via the reply", reqId: written[1]!.reqId });
    await app.close();
  });
});
