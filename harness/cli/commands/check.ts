// `kong-upgrade-harness check <run-dir>`: re-runs every check offline from a run's files.
import { existsSync } from "node:fs";
import { InvalidConfigError } from "../../errors.ts";
import { checksById, readExpectations } from "../../checks/index.ts";
import { formatSummary, isPathRun, recheck, recheckPath } from "../../report/index.ts";
import { exitCodeOfVerdict, type ExitCode } from "../exit-codes.ts";

export async function checkCommand(runDir: string | undefined): Promise<ExitCode> {
  if (!runDir || !existsSync(runDir)) throw new InvalidConfigError([`run directory "${runDir ?? ""}" does not exist`], { hint: "give the folder of a run, e.g. reports/runs/<run>" });
  // The run's own check list (expectations.json names it); runs older than the list get blue/green's.
  // A path's hops are re-checked each from its own folder.
  const { report, path } = isPathRun(runDir) ? await recheckPath(runDir) : await recheck(runDir, checksById(readExpectations(runDir).checks));
  process.stdout.write(`${formatSummary(report, { reportPath: path })}\n`);
  return exitCodeOfVerdict(report.verdict);
}
