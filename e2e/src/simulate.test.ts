import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import { freePort } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, startPipeline } from "./pipeline.js";

const repoRoot = resolve(import.meta.dirname, "../..");

let sandbox: MetaSandbox;
let pipeline: Pipeline;
/** The stack's variables as `npm run stack` would export them, pointing at this test's processes. */
let stackEnv: Record<string, string>;

beforeAll(async () => {
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "normalizer", "persister", "token-refresher", "responder"],
    env: { ...sandbox.env, APP_SECRET },
  });
  stackEnv = {
    HOST: "127.0.0.1",
    PORT: new URL(pipeline.ingressUrl).port,
    ADMIN_HOST: "127.0.0.1",
    ADMIN_PORT: new URL(pipeline.adminUrl).port,
    ADMIN_TOKEN,
    APP_SECRET,
    SANDBOX_PORT: new URL(sandbox.url).port,
  };
});
afterAll(async () => {
  await pipeline?.stop();
  await sandbox?.close();
});

/** Runs the README's `npm run simulate -- <args>` from the repository root, as a newcomer would. */
async function runSimulate(env: Record<string, string>, args: string[] = []) {
  const child = spawn("npm", ["run", "--silent", "simulate", "--", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(killer);
  return { code, stdout, stderr };
}

interface DebugMessage {
  message_id: string;
  direction: string;
  sender_id: string;
  recipient_id: string;
  text: string;
}

async function debugMessages(): Promise<DebugMessage[]> {
  const res = await fetch(`${pipeline.adminUrl}/debug/messages?ig_id=${SANDBOX_SHOP_IG_ID}&limit=50`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: DebugMessage[] }).messages;
}

describe("npm run simulate", () => {
  it("connects the sandbox's account, sends a signed DM and prints it with its automatic reply", async () => {
    const user = "9200000000000001";
    const run = await runSimulate(stackEnv, ["--text", "price?", "--from", user]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Instagram account ${SANDBOX_SHOP_IG_ID} (@sandbox.shop) connected through the Meta sandbox.`,
    );

    // What it printed is what the admin port holds: the inbound message and the reply, each once.
    const mine = (await debugMessages()).filter((m) => m.sender_id === user || m.recipient_id === user);
    const inbound = mine.filter((m) => m.direction === "inbound");
    const outbound = mine.filter((m) => m.direction === "outbound");
    expect(inbound).toMatchObject([{ sender_id: user, recipient_id: SANDBOX_SHOP_IG_ID, text: "price?" }]);
    expect(outbound).toMatchObject([
      { sender_id: SANDBOX_SHOP_IG_ID, recipient_id: user, text: "Thanks for your message!" },
    ]);
    expect(run.stdout).toMatch(new RegExp(`inbound .*from ${user} to ${SANDBOX_SHOP_IG_ID}: "price\\?"`));
    expect(run.stdout).toContain(`(mid ${inbound[0]!.message_id})`);
    expect(run.stdout).toMatch(
      new RegExp(`outbound .*from ${SANDBOX_SHOP_IG_ID} to ${user}: "Thanks for your message!"`),
    );
    expect(run.stdout).toContain(`(mid ${outbound[0]!.message_id})`);
    expect(run.stdout).toContain(
      `curl -s '${pipeline.adminUrl}/debug/messages?ig_id=${SANDBOX_SHOP_IG_ID}&limit=5' -H "authorization: Bearer $ADMIN_TOKEN"`,
    );
    // The reply went out through Meta's Send API (the sandbox) once.
    expect(sandbox.state.sentMessages.filter((m) => m.recipient === user && m.accepted)).toHaveLength(1);
  });

  it("connects the account again (the sandbox forgets its tokens when it restarts), with a new sender", async () => {
    const logins = () => sandbox.state.requests.filter((r) => r.path.includes("/dialog/oauth")).length;
    // What a restart of `npm run stack` does to the sandbox: every token it issued (and its log) is forgotten.
    sandbox.state.reset();
    const before = logins();
    const run = await runSimulate(stackEnv);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Instagram account ${SANDBOX_SHOP_IG_ID} (@sandbox.shop) is connected.`);
    expect(logins()).toBeGreaterThan(before);
    const sender = /inbound .*from (\d+) to/.exec(run.stdout)?.[1];
    expect(sender).toMatch(/^9\d{15}$/);
    expect(sender).not.toBe("9200000000000001");
    expect(sandbox.state.sentMessages.filter((m) => m.recipient === sender && m.accepted)).toHaveLength(1);
    // Connecting again updated the rows: still the sandbox's two pages and one Instagram account.
    const [counts] = await pipeline.db.sql<{ pages: number; igs: number }[]>`
      select (select count(*)::int from pages) as pages, (select count(*)::int from instagram_accounts) as igs`;
    expect(counts).toEqual({ pages: 2, igs: 1 });
  });

  it("says what is wrong, and fails, when the stack is not running or disagrees on a secret", async () => {
    const down = await runSimulate({ ...stackEnv, PORT: String(await freePort()) });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^simulate: nothing answers at http:\/\/127\.0\.0\.1:\d+ .*npm run stack/);

    const token = await runSimulate({ ...stackEnv, ADMIN_TOKEN: "not-the-stack-token-0123456789abc" });
    expect(token.code).toBe(1);
    expect(token.stderr).toContain("refused ADMIN_TOKEN");

    const secret = await runSimulate({ ...stackEnv, APP_SECRET: "not-the-stack-secret" });
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain("ingress refused the signature");
  });
});
