import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

/** Workspace libs resolve to their TypeScript sources, so tests never need a build first. */
function workspaceAliases(): Record<string, string> {
  const libs = readdirSync(join(root, "libs"), { withFileTypes: true }).filter((d) => d.isDirectory());
  return Object.fromEntries(libs.map((d) => [`@igdm/${d.name}`, join(root, "libs", d.name, "src", "index.ts")]));
}

/**
 * One vitest config for every workspace: tests sit beside the code, talk to the real NATS and PostgreSQL,
 * and each package writes a JSON report that scripts/run-tests.mjs sums into one "N passed, N failed" line.
 */
export function defineProject(packageDir: string) {
  return defineConfig({
    resolve: { alias: workspaceAliases() },
    test: {
      root: packageDir,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      environment: "node",
      globalSetup: [resolve(root, "libs/testkit/src/global-setup.ts")],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ["default", "json"],
      outputFile: { json: join(packageDir, "reports", "vitest.json") },
      pool: "forks",
    },
  });
}
