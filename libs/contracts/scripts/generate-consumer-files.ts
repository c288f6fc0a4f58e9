// Writes nats/streams/*.json and nats/consumers/*.json from libs/contracts (npm run gen:consumers).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { natsCliFiles } from "../src/cli-files.js";

const natsDir = resolve(import.meta.dirname, "../../../nats");
for (const sub of ["streams", "consumers"]) {
  mkdirSync(join(natsDir, sub), { recursive: true });
  for (const f of readdirSync(join(natsDir, sub))) if (f.endsWith(".json")) rmSync(join(natsDir, sub, f));
}
for (const [path, content] of Object.entries(natsCliFiles())) {
  mkdirSync(dirname(join(natsDir, path)), { recursive: true });
  writeFileSync(join(natsDir, path), content);
  console.log(`wrote nats/${path}`);
}
