// The ceiling for ingress: the least a webhook endpoint can do on this machine with the same fastify. One route,
// POST /webhook, that keeps the body as raw bytes, checks X-Hub-Signature-256 with the very function ingress uses and
// answers 200 "EVENT_RECEIVED" (403 otherwise); no logger, no broker. Run as its own process (like ingress) by
// ingress-vs-bare.ts: PORT and APP_SECRET from the environment; prints "listening <port>" once it accepts requests.
import { SIGNATURE_HEADER, verifyWebhookSignature } from "@igdm/meta";
import Fastify from "fastify";

const port = Number(process.env.PORT ?? 0);
const secret = process.env.APP_SECRET;
if (!secret) throw new Error("APP_SECRET is required");
const secrets = [{ name: "app" as const, secret }];

// No logger at all (ingress logs no request either: disableRequestLogging); the same body limit as ingress's default.
const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
app.post("/webhook", async (req, reply) => {
  const body = req.body as Buffer;
  const verdict = verifyWebhookSignature(body, req.headers[SIGNATURE_HEADER], secrets);
  if (!verdict.ok) return reply.code(403).type("text/plain").send("forbidden");
  return reply.type("text/plain").send("EVENT_RECEIVED");
});

const shutdown = () => {
  void app.close().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

await app.listen({ host: "127.0.0.1", port });
const address = app.server.address();
console.log(`listening ${typeof address === "object" && address ? address.port : port}`);
