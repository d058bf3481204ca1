// A recipe's hash covers its folder, its pin and the hashes of what it builds on, so a change
// rebuilds exactly the images that depend on it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function filesUnder(root: string, path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).sort().flatMap((name) => {
    if (name === "node_modules" || name.endsWith(".test.ts")) return [];
    return filesUnder(root, join(path, name));
  });
}

export function hashPaths(root: string, paths: readonly string[], extra: readonly string[]): string {
  const h = createHash("sha256");
  for (const e of extra) h.update(`${e}\n`);
  for (const p of paths) {
    for (const file of filesUnder(root, join(root, p))) {
      h.update(`${relative(root, file)}\n`);
      h.update(readFileSync(file));
    }
  }
  return h.digest("hex").slice(0, 16);
}
