// `kong-upgrade-harness check <run-dir> [--accept FILE]`: re-runs every check offline from a run's
// files, judged with the accept file given (none: every failure fails).
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { InvalidConfigError } from "../../errors.ts";
import { checksById, readExpectations } from "../../checks/index.ts";
import { formatSummary, isPathRun, readAcceptFile, recheck, recheckPath } from "../../report/index.ts";
import { exitCodeOfVerdict, type ExitCode } from "../exit-codes.ts";

export async function checkCommand(args: readonly string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...args], options: { accept: { type: "string" } }, strict: true, allowPositionals: true });
  const runDir = positionals[0];
  if (positionals.length > 1) throw new InvalidConfigError(["`check` takes one run directory"], { hint: "give the folder of a run, e.g. reports/runs/<run>" });
  if (!runDir || !existsSync(runDir)) throw new InvalidConfigError([`run directory "${runDir ?? ""}" does not exist`], { hint: "give the folder of a run, e.g. reports/runs/<run>" });
  const accept = values.accept === undefined ? undefined : readAcceptFile(values.accept);
  // The run's own check list (expectations.json names it); runs older than the list get blue/green's.
  // A path's hops are re-checked each from its own folder.
  const { report, path } = isPathRun(runDir) ? await recheckPath(runDir, new Date(), accept) : await recheck(runDir, checksById(readExpectations(runDir).checks), new Date(), accept);
  process.stdout.write(`${formatSummary(report, { reportPath: path })}\n`);
  return exitCodeOfVerdict(report.verdict);
}
