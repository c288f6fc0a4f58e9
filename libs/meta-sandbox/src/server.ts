import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { MetaError, newFbtraceId, paramError } from "./errors.js";
import { dialogErrorPage } from "./html.js";
import { HOST_PREFIXES, hostOf, originalPath, queryOf, sendMetaError, stripVersion } from "./http.js";
import { facebookDialogRoutes } from "./routes/facebook-dialog.js";
import { graphRoutes } from "./routes/graph.js";
import { instagramApiRoutes } from "./routes/instagram-api.js";
import { instagramDialogRoutes } from "./routes/instagram-dialog.js";
import { instagramGraphRoutes } from "./routes/instagram-graph.js";
import { type SandboxConfig, type SandboxRequest, SandboxState } from "./state.js";

export interface MetaSandboxOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** The interface to listen on: 127.0.0.1 unless set (compose sets 0.0.0.0 so other containers reach it). */
  host?: string;
  appId?: string;
  appSecret?: string;
  igAppId?: string;
  igAppSecret?: string;
}

/** Base URLs to give clients in place of Meta's hosts (no version segment: clients append `/v21.0/...`). */
export interface MetaSandboxUrls {
  /** graph.facebook.com */
  graph: string;
  /** www.facebook.com (Facebook Login dialog: `${dialog}/v21.0/dialog/oauth`) */
  dialog: string;
  /** api.instagram.com (Instagram Login code exchange) */
  igApi: string;
  /** graph.instagram.com */
  igGraph: string;
  /** www.instagram.com (Instagram Login dialog: `${igDialog}/oauth/authorize`) */
  igDialog: string;
}

export interface MetaSandbox {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly urls: MetaSandboxUrls;
  readonly state: SandboxState;
  readonly config: SandboxConfig;
  /** The environment variables a service needs to talk to this sandbox instead of Meta. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export const SANDBOX_DEFAULTS = {
  appId: "sandbox-app-id",
  appSecret: "sandbox-app-secret",
  igAppId: "sandbox-ig-app-id",
  igAppSecret: "sandbox-ig-app-secret",
  appName: "Sandbox App",
} as const;

/** Starts the fake Meta on 127.0.0.1: every Meta host under its own path prefix of one origin. */
export async function startMetaSandbox(opts: MetaSandboxOptions = {}): Promise<MetaSandbox> {
  const config: SandboxConfig = {
    appId: opts.appId ?? SANDBOX_DEFAULTS.appId,
    appSecret: opts.appSecret ?? SANDBOX_DEFAULTS.appSecret,
    igAppId: opts.igAppId ?? SANDBOX_DEFAULTS.igAppId,
    igAppSecret: opts.igAppSecret ?? SANDBOX_DEFAULTS.igAppSecret,
    appName: SANDBOX_DEFAULTS.appName,
  };
  const state = new SandboxState(config);
  const app = await buildSandboxServer(state);
  await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("meta-sandbox: no TCP address after listen");
  const url = `http://127.0.0.1:${address.port}`;
  const urls: MetaSandboxUrls = {
    graph: `${url}${HOST_PREFIXES.graph}`,
    dialog: `${url}${HOST_PREFIXES.www}`,
    igApi: `${url}${HOST_PREFIXES["ig-api"]}`,
    igGraph: `${url}${HOST_PREFIXES["ig-graph"]}`,
    igDialog: `${url}${HOST_PREFIXES["ig-www"]}`,
  };
  let closed: Promise<void> | undefined;
  return {
    url,
    urls,
    state,
    config,
    env: sandboxEnv(urls, config),
    close: () => {
      closed ??= app.close();
      return closed;
    },
  };
}

/** The variables services read for Meta's base URLs and app credentials. */
export function sandboxEnv(urls: MetaSandboxUrls, config: SandboxConfig): Record<string, string> {
  return {
    GRAPH_API_BASE_URL: urls.graph,
    FACEBOOK_DIALOG_BASE_URL: urls.dialog,
    INSTAGRAM_API_BASE_URL: urls.igApi,
    INSTAGRAM_GRAPH_BASE_URL: urls.igGraph,
    INSTAGRAM_DIALOG_BASE_URL: urls.igDialog,
    APP_ID: config.appId,
    APP_SECRET: config.appSecret,
    INSTAGRAM_APP_ID: config.igAppId,
    INSTAGRAM_APP_SECRET: config.igAppSecret,
  };
}

/** The fastify app (not listening): hooks for tracing, logging and fault injection, the five hosts' routes. */
export async function buildSandboxServer(state: SandboxState): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
    rewriteUrl: (req) => stripVersion(req.url ?? "/"),
  });
  const appId = state.config.appId;
  const logEntries = new WeakMap<FastifyRequest, SandboxRequest>();
  /** Requests processed normally whose answer a `delayNext` fault holds back, and for how long. */
  const lateAnswers = new WeakMap<FastifyRequest, number>();
  // Before fastify closes the server: held answers must neither keep `close()` waiting nor fire afterwards.
  app.addHook("preClose", async () => state.dropHeldAnswers());

  await app.register(formbody);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(paramError("(#100) The request body is not valid JSON"), undefined);
    }
  });
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", async (request, reply) => {
    const fbtraceId = newFbtraceId();
    reply.header("x-fb-trace-id", fbtraceId);
    const path = originalPath(request);
    const entry: SandboxRequest = {
      method: request.method,
      host: hostOf(path),
      path,
      query: queryOf(request),
      body: undefined,
      status: undefined,
      fbtraceId,
      at: state.now(),
    };
    state.logRequest(entry);
    logEntries.set(request, entry);
    const fault = state.takeFault(request.method, path);
    if (fault?.kind === "error") return sendMetaError(reply, request, new MetaError(fault.error), appId);
    if (fault?.kind === "delay" && fault.delay.deliver) lateAnswers.set(request, fault.delay.ms);
    if (fault?.kind === "delay" && !fault.delay.deliver) {
      // Never processed, never answered: fastify stops here, and the connection dies once the hold is over.
      reply.hijack();
      await state.holdAnswer(fault.delay.ms, reply.raw);
      reply.raw.destroy();
    }
  });
  app.addHook("preHandler", async (request) => {
    const entry = logEntries.get(request);
    if (entry) entry.body = request.body;
  });
  app.addHook("onSend", async (request, reply, payload) => {
    const ms = lateAnswers.get(request);
    if (ms !== undefined) await state.holdAnswer(ms, reply.raw);
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const entry = logEntries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MetaError) return sendMetaError(reply, request, error, appId);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendMetaError(reply, request, paramError(`(#100) ${(error as Error).message}`), appId);
    }
    return sendMetaError(reply, request, new MetaError({ status: 500, code: 1 }), appId);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = originalPath(request);
    const host = hostOf(path);
    if (host === "www" || host === "ig-www" || host === "other") {
      return reply
        .code(404)
        .type("text/html; charset=utf-8")
        .send(dialogErrorPage("Page not found", `The sandbox has nothing at ${request.method} ${path}.`));
    }
    return sendMetaError(
      reply,
      request,
      new MetaError({
        status: 400,
        code: 2500,
        type: "OAuthException",
        message: `Unknown path components: ${path}`,
      }),
      appId,
    );
  });

  await app.register(graphRoutes(state), { prefix: HOST_PREFIXES.graph });
  await app.register(facebookDialogRoutes(state), { prefix: HOST_PREFIXES.www });
  await app.register(instagramApiRoutes(state), { prefix: HOST_PREFIXES["ig-api"] });
  await app.register(instagramDialogRoutes(state), { prefix: HOST_PREFIXES["ig-api"] });
  await app.register(instagramGraphRoutes(state), { prefix: HOST_PREFIXES["ig-graph"] });
  await app.register(instagramDialogRoutes(state), { prefix: HOST_PREFIXES["ig-www"] });
  return app;
}
