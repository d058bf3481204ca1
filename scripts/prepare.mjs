#!/usr/bin/env node
// Makes a fresh clone runnable with nothing but Node and npm: installs the npm dependencies when
// they are missing or stale, then (with --lab) brings the lab up. Plain JavaScript on purpose: it
// runs before TypeScript tooling exists.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} [prepare] ${line}\n`);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`error: \`${cmd} ${args.join(" ")}\` failed with exit code ${r.status ?? r.signal}\n`);
    process.exit(r.status === 0 ? 3 : (r.status ?? 3));
  }
};

const lock = readFileSync(join(root, "package-lock.json"));
const want = createHash("sha256").update(lock).digest("hex");
const stamp = join(root, "node_modules", ".kuh-lock-hash");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== want) {
  say("Installing npm dependencies (npm ci)...");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, want);
  say("Installed npm dependencies");
}
if (process.argv.includes("--lab")) run(process.execPath, [join(root, "bin", "kong-upgrade-harness.mjs"), "lab"]);
