import { z } from "zod";
import { port } from "../env.js";

/**
 * Where a service serves /health, /ready and /metrics. Each service has its own default port so a laptop can run
 * them all (ingress 9101, normalizer 9102, persister 9103, responder 9104, token-refresher 9105); 0 takes any free
 * port. Localhost unless set: containers set OPS_HOST=0.0.0.0 for their probes and scraper.
 */
export const opsEnv = (defaultPort: number) => ({
  OPS_HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).default("127.0.0.1")),
  OPS_PORT: port(defaultPort),
});

export const OPS_PORTS = {
  ingress: 9101,
  normalizer: 9102,
  persister: 9103,
  responder: 9104,
  "token-refresher": 9105,
} as const;
