import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

/**
 * The development values scripts/stack.sh fills in when they are not set: keep the two in step, so that
 * `npm run stack` and `npm run simulate` agree with no configuration at all.
 */
export const STACK_DEFAULTS = {
  HOST: "127.0.0.1",
  PORT: "3000",
  ADMIN_HOST: "127.0.0.1",
  ADMIN_PORT: "3001",
  ADMIN_TOKEN: "dev-admin-token-change-me-000000",
  APP_SECRET: "dev-app-secret-change-me",
  SANDBOX_PORT: "4100",
} as const;

export interface SimulateSettings {
  ingressUrl: string;
  adminUrl: string;
  adminToken: string;
  /** The stack's development token: printing it in the curl hint reveals nothing. */
  adminTokenIsDefault: boolean;
  appSecret: string;
  sandboxUrl: string;
  text: string;
  /** The person writing (an Instagram-scoped id); a new one per run unless told, so the cooldown never applies. */
  from: string;
  /** The Instagram account written to; the first connected one unless told. */
  account: string | undefined;
  timeoutMs: number;
}

export const USAGE = `Usage: npm run simulate -- [--text "price?"] [--from <igsid>] [--account <ig id>] [--timeout <seconds>]

Sends one signed Instagram DM webhook to a running stack (npm run stack) exactly as Meta would, connects the
Meta sandbox's account first if none is connected, and waits for the message and its automatic reply in
/debug/messages. The stack's variables apply: HOST, PORT, ADMIN_HOST, ADMIN_PORT, ADMIN_TOKEN, APP_SECRET,
SANDBOX_PORT (from the environment or .env; the stack's development values otherwise).`;

const ID = /^[A-Za-z0-9]{1,64}$/;

/** A listening address as a client reaches it: a wildcard bind means this machine. */
const reachable = (host: string) => (host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host);
const url = (host: string, port: string) => {
  const h = reachable(host);
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
};

/** Reads the flags and the stack's variables; throws UsageError on anything it cannot use. */
export function simulateSettings(argv: string[], env: NodeJS.ProcessEnv): SimulateSettings {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values } = parsed;
  const get = (name: keyof typeof STACK_DEFAULTS) => env[name] || STACK_DEFAULTS[name];
  for (const name of ["PORT", "ADMIN_PORT", "SANDBOX_PORT"] as const) {
    const port = Number(get(name));
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${name} must be a port number`);
  }
  const text = values.text ?? "Hi! Is this still available?";
  if (text.trim() === "") throw new UsageError("--text must not be empty");
  // 9 + 15 digits: the shape of an Instagram-scoped id, different on every run.
  const from = values.from ?? `9${Date.now()}${String(randomInt(100)).padStart(2, "0")}`;
  if (!ID.test(from)) throw new UsageError("--from must be an id of letters and digits");
  if (values.account !== undefined && !ID.test(values.account)) {
    throw new UsageError("--account must be an id of letters and digits");
  }
  const timeout = Number(values.timeout ?? "30");
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError("--timeout must be a number of seconds");
  const adminToken = get("ADMIN_TOKEN");
  return {
    ingressUrl: url(get("HOST"), get("PORT")),
    adminUrl: url(get("ADMIN_HOST"), get("ADMIN_PORT")),
    adminToken,
    adminTokenIsDefault: adminToken === STACK_DEFAULTS.ADMIN_TOKEN,
    appSecret: get("APP_SECRET"),
    sandboxUrl: url("127.0.0.1", get("SANDBOX_PORT")),
    text,
    from,
    account: values.account,
    timeoutMs: timeout * 1000,
  };
}

/** Whether the person asked for the usage text. */
export const wantsHelp = (argv: string[]) => argv.includes("--help") || argv.includes("-h");

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      text: { type: "string" },
      from: { type: "string" },
      account: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}
