// Runs every workspace's tests through turbo, then sums the vitest JSON reports into one closing line,
// "N passed, N failed", so a run that executed no test at all is visible. Exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const workspaces = [
  ...["libs", "services"].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, "package.json")))
      .map((d) => join(group, d.name)),
  ),
  "e2e",
];
const reportOf = (ws) => join(root, ws, "reports", "vitest.json");
for (const ws of workspaces) rmSync(reportOf(ws), { force: true });

const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const turbo = spawnSync(
  "npx",
  ["turbo", "run", "test", "--continue", `--concurrency=${concurrency}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { TURBO_TELEMETRY_DISABLED: "1", ...process.env } },
);

let passed = 0;
let failed = 0;
const missing = [];
for (const ws of workspaces) {
  if (!existsSync(reportOf(ws))) {
    missing.push(ws);
    continue;
  }
  const report = JSON.parse(readFileSync(reportOf(ws), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  console.log(`${ws}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(turbo.status !== 0 || failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
