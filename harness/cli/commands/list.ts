// `kong-upgrade-harness list`: the scenarios shipped in scenarios/, with their one-line description
// (the `// scenario:` first line of each file).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { table } from "../console.ts";
import { ExitCode } from "../exit-codes.ts";

export function listScenarios(dir = join(PROJECT_ROOT, "scenarios")): { file: string; description: string }[] {
  return readdirSync(dir).filter((f) => f.endsWith(".ts")).sort().map((f) => {
    const first = readFileSync(join(dir, f), "utf8").split("\n")[0] ?? "";
    const m = /^\/\/\s*scenario:\s*(.+)$/.exec(first);
    return { file: `scenarios/${f}`, description: m?.[1]?.trim() ?? "(no description)" };
  });
}

export function listCommand(): ExitCode {
  process.stdout.write(`${table([["scenario", "description"], ...listScenarios().map((s) => [s.file, s.description])])}\n`);
  return ExitCode.Ok;
}
