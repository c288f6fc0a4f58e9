import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { RawWebhook, topology } from "@igdm/contracts";
import {
  connectTestNats,
  deleteNamespaceStreams,
  freePort,
  instagramTextWebhook,
  metaWebhookHeaders,
  readStream,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { describe, expect, it } from "vitest";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** Runs the service as operators do: its own process, configured only by environment variables. */
function runIngress(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--conditions=@igdm/source", "--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return { child, output: () => output };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, "exit");
  return code as number | null;
}

describe("ingress process", () => {
  it("exits 78 naming every missing or invalid variable before doing anything", async () => {
    const { child, output } = runIngress({ PORT: "not-a-port", NATS_URL: "http://wrong" });
    expect(await exitCode(child)).toBe(78);
    for (const name of ["APP_SECRET", "VERIFY_TOKEN", "PORT", "NATS_URL"]) expect(output()).toContain(name);
  });

  it("serves signed webhooks into JetStream over real HTTP and shuts down cleanly on SIGTERM", async () => {
    const port = await freePort();
    const namespace = uniqueNamespace("proc");
    const secret = "process-test-secret";
    const { child, output } = runIngress({
      APP_SECRET: secret,
      VERIFY_TOKEN: "process-verify-token",
      PORT: String(port),
      HOST: "127.0.0.1",
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      LOG_LEVEL: "debug",
      OPS_PORT: "0",
    });
    const nc = await connectTestNats();
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/ready`).catch(() => null))?.ok, {
        what: "ingress ready",
        timeoutMs: 20_000,
      });
      const body = instagramTextWebhook("mid.process");
      const res = await fetch(`${base}/webhook`, { method: "POST", body, headers: metaWebhookHeaders(body, secret) });
      expect(res.status).toBe(200);
      const [stored] = await readStream(nc, topology(namespace).streams.webhooks);
      expect(Buffer.from(RawWebhook.parse(stored!.json()).body, "base64").toString()).toBe(body);

      const handshake = await fetch(
        `${base}/webhook?hub.mode=subscribe&hub.challenge=42&hub.verify_token=process-verify-token`,
      );
      expect(await handshake.text()).toBe("42");

      child.kill("SIGTERM");
      expect(await exitCode(child)).toBe(0);
      // Debug logs went out, yet neither the secret, the verify token nor a signature leaked into them.
      expect(output()).toContain("webhook stored");
      for (const leak of [secret, "process-verify-token", metaWebhookHeaders(body, secret)["x-hub-signature-256"]]) {
        expect(output()).not.toContain(leak);
      }
    } finally {
      child.kill("SIGKILL");
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
    }
  });
});
