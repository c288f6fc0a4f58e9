import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { AdminMessage } from "./admin-api.js";
import { SimulateError, UsageError } from "./errors.js";
import { type SimulateSettings, simulateSettings, USAGE, wantsHelp } from "./settings.js";
import { type SimulateResult, simulate } from "./simulate.js";

/** `npm run simulate`: one DM through a running `npm run stack`, printed as it is stored and answered. */
async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The stack reads .env too, so its ADMIN_TOKEN or APP_SECRET apply here; variables set in the environment win.
  const envFile = resolve(import.meta.dirname, "../../../../.env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const settings = simulateSettings(argv, process.env);
  const result = await simulate(settings, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(report(settings, result));
  return 0;
}

function report(s: SimulateSettings, r: SimulateResult): string {
  const token = s.adminTokenIsDefault ? s.adminToken : "$ADMIN_TOKEN";
  return [
    "",
    "Stored in the database, as /debug/messages shows them:",
    line("inbound ", r.inbound),
    line("outbound", r.reply),
    "",
    "Look at them yourself:",
    `  curl -s '${s.adminUrl}/debug/messages?ig_id=${r.account.id}&limit=5' -H "authorization: Bearer ${token}"`,
    "",
  ].join("\n");
}

function line(label: string, m: AdminMessage): string {
  return `  ${label} ${m.sent_at ?? "-"}  from ${m.sender_id} to ${m.recipient_id}: ${JSON.stringify(m.text)}  (mid ${m.message_id})`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SimulateError) {
      process.stderr.write(`simulate: ${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    }
    process.stderr.write(`simulate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
