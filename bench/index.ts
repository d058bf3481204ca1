// `npm run bench`: runs every bench/*.ts file (except this one) in sequence, each in its own Node
// process so that one benchmark's load does not disturb the next; exits non-zero if any missed
// its target or failed. `npm run bench -- load-balancer` runs only the files whose name contains
// one of the words given.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const all = readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.endsWith(".test.ts")).sort();
const files = only.length === 0 ? all : all.filter((f) => only.some((word) => f.includes(word)));
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${only.join(", ")}; the benchmarks: ${all.map((f) => f.replace(/\.ts$/, "")).join(", ")}\n`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== bench/${f}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", join(dir, "../harness/runtime/testcontainers-preload.ts"), join(dir, f)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${f} exited ${r.status ?? r.signal}\n`);
  }
}
process.stdout.write(`\n${files.length - failed}/${files.length} benchmarks met their targets\n`);
process.exitCode = failed > 0 ? 1 : 0;
