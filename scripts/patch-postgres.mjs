// Runs after npm install/ci. postgres.js 3.4.9 can crash the whole process when a connection closes while a small
// write is still queued (setImmediate(nextWrite) then socket.write on a null socket: porsager/postgres#1154,
// #1208, unfixed upstream), and leaves nextWriteTimer set after a close, so the pooled connection never flushes
// again (LanternOps/breeze#3225). The persister hit the crash in the database-outage test. This applies the
// guards proposed upstream (#1168/#1209) to every build of the driver; drop it once a release carries them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "node_modules", "postgres");
const MARKER = "/* igdm: guarded nextWrite */";
const files = ["src/connection.js", "cjs/src/connection.js", "cf/src/connection.js"].map((f) => join(root, f));

for (const file of files.filter(existsSync)) {
  let text = readFileSync(file, "utf8");
  if (text.includes(MARKER)) continue;
  const write = "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)";
  const clear = "    clearImmediate(nextWriteTimer)\n";
  if (!text.includes(write) || text.split(clear).length !== 3) {
    throw new Error(
      `patch-postgres: ${file} does not look like postgres.js 3.4.9; check whether the fix landed upstream`,
    );
  }
  text = text.replace(
    write,
    `  function nextWrite(fn) {\n    ${MARKER}\n    if (!socket) { chunk = nextWriteTimer = null; return false }\n    const x = socket.write(chunk, fn)`,
  );
  text = text.split(clear).join("    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n");
  writeFileSync(file, text);
  console.log(`patch-postgres: guarded ${file.slice(root.length + 1)}`);
}
