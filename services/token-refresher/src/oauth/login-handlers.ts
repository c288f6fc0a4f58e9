import {
  BeginLoginReply,
  BeginLoginRequest,
  ConnectAccountReply,
  ConnectAccountRequest,
  type Topology,
} from "@igdm/contracts";
import type { TokenCipher } from "@igdm/crypto";
import { GraphApiError, type GraphClient } from "@igdm/meta";
import { type Logger, publishEvents, RpcFailure, serveRpc } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { connectFacebook } from "../connect/connect-facebook.js";
import { connectInstagram } from "../connect/connect-instagram.js";
import type { TokenRefresherEnv } from "../env.js";
import { accountsConnected } from "../metrics.js";
import { loginUrl } from "./login-url.js";
import type { OAuthStateStore } from "./state-store.js";

/** The two request/reply operations ingress relays the OAuth flow through. */
export function serveLogin(opts: {
  nc: NatsConnection;
  js: JetStreamClient;
  topology: Topology;
  env: TokenRefresherEnv;
  graph: GraphClient;
  cipher: TokenCipher;
  states: OAuthStateStore;
  log: Logger;
}): Subscription[] {
  const { nc, js, topology, env, graph, cipher, states, log } = opts;
  const begin = serveRpc({
    nc,
    subject: topology.subjects.rpc("token-refresher", "begin-login"),
    queue: "token-refresher",
    request: BeginLoginRequest,
    reply: BeginLoginReply,
    log,
    handle: async ({ flow }) => {
      if (flow === "instagram" && !(env.INSTAGRAM_APP_ID && env.INSTAGRAM_APP_SECRET)) {
        throw new RpcFailure("IGDM_ERR_FLOW_DISABLED", "Instagram Login is not configured on this server");
      }
      const state = await states.create(flow);
      return { ok: true as const, state, url: loginUrl(env, flow, state) };
    },
  });
  const connect = serveRpc({
    nc,
    subject: topology.subjects.rpc("token-refresher", "connect"),
    queue: "token-refresher",
    request: ConnectAccountRequest,
    reply: ConnectAccountReply,
    log,
    handle: async ({ state, code }) => {
      const flow = await states.consume(state);
      const args = { graph, cipher, code, redirectUri: env.REDIRECT_URI, attemptId: state };
      try {
        const { events, reply } = flow === "facebook" ? await connectFacebook(args) : await connectInstagram(args);
        await publishEvents(js, topology, events, { timeoutMs: 5000 });
        accountsConnected.inc({ flow });
        log.info({ flow, events: events.length }, "account connected");
        return reply;
      } catch (err) {
        if (err instanceof GraphApiError) {
          log.warn({ err, flow }, "connect refused by Meta");
          throw new RpcFailure(
            err.action === "retry" ? "IGDM_ERR_META_UNAVAILABLE" : "IGDM_ERR_META_REFUSED",
            `Meta refused the connection: ${err.message}`,
          );
        }
        throw err;
      }
    },
  });
  return [begin, connect];
}
