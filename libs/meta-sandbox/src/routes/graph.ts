import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { SandboxState } from "../state.js";
import { graphNodeRoutes } from "./graph-nodes.js";
import { graphOAuthRoutes } from "./graph-oauth.js";
import { graphPageEdgeRoutes } from "./graph-page-edges.js";

/** graph.facebook.com, served under `/graph` (with or without a `/vNN.N` segment). */
export function graphRoutes(state: SandboxState): FastifyPluginAsync {
  return async (server: FastifyInstance) => {
    await server.register(graphOAuthRoutes(state));
    await server.register(graphNodeRoutes(state));
    await server.register(graphPageEdgeRoutes(state));
  };
}
