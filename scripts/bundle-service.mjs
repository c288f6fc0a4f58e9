// Assembles one service's runtime tree from a pruned, installed and built workspace (`turbo prune --docker`,
// `npm ci`, `turbo run build`): production dependencies only, the package.json and dist/ of each workspace the
// service needs at run time, and supabase/migrations when @igdm/db is among them (the migrate command). The
// Dockerfile's bundle stage and scripts/check-docker-build.sh both run it, so CI checks what the image gets.
// Usage, from the pruned workspace's root: node scripts/bundle-service.mjs <service> <out-dir>
//
// Why not just `npm ci --omit=dev`: turbo prune keeps dev-only workspaces (libs/testkit, libs/meta-sandbox) and
// npm installs a workspace's dependencies whatever the flag, so the image would carry testcontainers and friends.
// Following only `dependencies` between workspaces and pruning with the rest removed leaves what runs.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [service, out] = process.argv.slice(2);
if (!service || !out) {
  console.error("usage: node scripts/bundle-service.mjs <service> <out-dir>");
  process.exit(2);
}
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

const root = readJson("package.json");
if (root.workspaces.some((w) => w.includes("*"))) {
  throw new Error("bundle-service: run it in a `turbo prune` output, whose package.json lists workspaces one by one");
}
const dirOf = new Map(root.workspaces.map((dir) => [readJson(join(dir, "package.json")).name, dir]));

// The workspaces reachable from the service through `dependencies` (never devDependencies).
const keep = new Set();
const visit = (name) => {
  if (keep.has(name)) return;
  keep.add(name);
  for (const dep of Object.keys(readJson(join(dirOf.get(name), "package.json")).dependencies ?? {})) {
    if (dirOf.has(dep)) visit(dep);
  }
};
const pkg = `@igdm/${service}`;
if (!dirOf.has(pkg)) throw new Error(`bundle-service: ${pkg} is not a workspace here`);
visit(pkg);
const dirs = [...keep].map((name) => dirOf.get(name)).sort();

// npm drops the other workspaces' links and every package only they or dev tooling needed.
writeFileSync("package.json", `${JSON.stringify({ ...root, workspaces: dirs }, null, 2)}\n`);
execFileSync("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" });

// verbatimSymlinks keeps node_modules/@igdm/* -> ../../libs/* relative, so the tree works wherever it is copied.
const copy = (from, filter = () => true) =>
  cpSync(from, join(out, from), { recursive: true, verbatimSymlinks: true, filter });
mkdirSync(out, { recursive: true });
// The root manifest keeps what node reads (the module type), without scripts: npm never runs in the image.
const manifest = { name: root.name, private: root.private, type: root.type, workspaces: dirs };
writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
copy("node_modules");
for (const dir of dirs) {
  if (!existsSync(join(dir, "dist"))) throw new Error(`bundle-service: ${dir}/dist is missing; build first`);
  copy(join(dir, "package.json"));
  // Type declarations are for the compiler; source maps stay, for NODE_OPTIONS=--enable-source-maps when debugging.
  copy(join(dir, "dist"), (src) => !/\.d\.ts(\.map)?$/.test(src));
  if (existsSync(join(dir, "node_modules"))) copy(join(dir, "node_modules"));
}
if (keep.has("@igdm/db")) {
  if (!existsSync("supabase/migrations")) throw new Error("bundle-service: supabase/migrations is missing");
  copy("supabase/migrations");
}
console.log(`bundle-service: ${pkg} with ${dirs.join(", ")} in ${out}`);
