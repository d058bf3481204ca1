// `kong-upgrade-harness compare <baseline-dir> <run-dir>`: flags regressions against a previous run.
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { RUN_FILES } from "../../checks/index.ts";
import { InvalidConfigError, OutsideUpgradeError } from "../../errors.ts";
import { DEFAULT_THRESHOLDS, compareReports, comparisonMarkdown, formatComparison, type CompareThresholds } from "../../report/compare.ts";
import { readReport } from "../../report/html/index.ts";
import { readAcceptFile } from "../../report/accept-file.ts";
import { rejudgeReport } from "../../report/rejudge.ts";
import { writeAtomic } from "../../report/render.ts";
import { ExitCode } from "../exit-codes.ts";
import { compareQualificationsCommand, comparesQualifications } from "./compare-qualifications.ts";

const D = DEFAULT_THRESHOLDS;
/** Flag -> threshold field. */
const FLAGS: Record<string, keyof CompareThresholds> = {
  "max-new-failed-requests": "maxNewFailedRequests", "p99-ratio": "p99Ratio", "p99-min-delta-ms": "p99MinDeltaMs", "min-samples": "minSamples",
  "lag-p99-ratio": "lagP99Ratio", "lag-p99-min-delta-ms": "lagP99MinDeltaMs", "downtime-max-delta-ms": "downtimeMaxDeltaMs",
  "run-time-ratio": "runTimeRatio", "run-time-min-delta-ms": "runTimeMinDeltaMs",
};

export const COMPARE_HELP = `  compare <baseline-dir> <run-dir> [--out FILE.json] [--no-step-summary] [--accept FILE] [thresholds]
                   flag regressions against a previous run; exit 1 on regression. A regression is:
                   a check that passed (or did not run) and now fails or is unknown; more failed requests
                   than the baseline + --max-new-failed-requests (${D.maxNewFailedRequests}); a phase's p99 per cluster over
                   --p99-ratio (${D.p99Ratio}) x baseline and --p99-min-delta-ms (${D.p99MinDeltaMs}) more (phases with
                   --min-samples ${D.minSamples}+ requests); propagation lag p99 over --lag-p99-ratio (${D.lagP99Ratio}) x and
                   --lag-p99-min-delta-ms (${D.lagP99MinDeltaMs}) more; a downtime window --downtime-max-delta-ms
                   (${D.downtimeMaxDeltaMs}) longer; run time over --run-time-ratio (${D.runTimeRatio}) x and --run-time-min-delta-ms
                   (${D.runTimeMinDeltaMs}) longer. A run that ended in error (verdict "error") is not compared: exit 3.
                   --accept FILE: both runs judged with these acknowledged findings; an accepted
                   failure is no regression, a failure accepted in the baseline and not now is one
  compare <baseline-qualification> <qualification> [--out FILE.json] [--no-step-summary] [thresholds]
                   two qualification folders (or qualification.json files), pair by pair: new failures,
                   fixed pairs, pairs still failing (and checks newly failing there), run time and p99
                   past --run-time-* and --p99-* either way; exit 1 on a new failure, a newly failing
                   check or a slower pair`;

function thresholds(values: Record<string, string | boolean | undefined>): CompareThresholds {
  const t: Record<string, number> = { ...DEFAULT_THRESHOLDS };
  const problems: string[] = [];
  for (const [flag, key] of Object.entries(FLAGS)) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) problems.push(`--${flag} must be a number >= 0, but is "${String(v)}"`);
    else t[key] = n;
  }
  if (problems.length) throw new InvalidConfigError(problems);
  return t as unknown as CompareThresholds;
}

const reportOf = (dir: string): ReturnType<typeof readReport> => {
  const file = join(dir, RUN_FILES.report);
  if (!existsSync(file)) throw new InvalidConfigError([`${file} does not exist`], { hint: "give two run directories written by `kong-upgrade-harness run`" });
  return readReport(file);
};

export async function compareCommand(args: readonly string[]): Promise<ExitCode> {
  const options = { out: { type: "string" }, "no-step-summary": { type: "boolean", default: false }, accept: { type: "string" },
    ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" }])) } as const;
  const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  if (positionals.length !== 2) throw new InvalidConfigError(["`compare` takes two run directories: <baseline-dir> <run-dir>"], { hint: "run `kong-upgrade-harness help`" });
  const [baseDir, curDir] = positionals as [string, string];
  if (comparesQualifications(baseDir, curDir, (d) => existsSync(join(d, RUN_FILES.report)))) {
    if (values.accept !== undefined) throw new InvalidConfigError(["--accept judges runs again; a qualification's pairs were judged when it ran"], { hint: "run `qualify --accept FILE` instead" });
    const out = typeof values.out === "string" ? values.out : undefined;
    const summary = values["no-step-summary"] ? undefined : process.env.GITHUB_STEP_SUMMARY;
    return compareQualificationsCommand(baseDir, curDir, thresholds(values as Record<string, string | boolean | undefined>), { ...(out ? { out } : {}), ...(summary ? { summary } : {}) });
  }
  const accept = typeof values.accept === "string" ? readAcceptFile(values.accept) : undefined;
  const judged = (r: ReturnType<typeof readReport>): ReturnType<typeof readReport> => (accept ? rejudgeReport(r, accept) : r);
  const base = judged(reportOf(baseDir));
  const cur = judged(reportOf(curDir));
  // A run that ended in error judged no upgrade: there is nothing to call a regression or not.
  for (const [dir, r] of [[baseDir, base], [curDir, cur]] as const) {
    if (r.verdict === "error") {
      throw new OutsideUpgradeError(`${dir} ended in error, the upgrade was not judged: ${r.errorCause ?? "(no cause recorded)"}`,
        { hint: "fix the cause and run it again, then compare" });
    }
  }
  const c = compareReports(base, cur, thresholds(values as Record<string, string | boolean | undefined>));
  process.stdout.write(`${formatComparison(c, baseDir, curDir)}\n`);
  if (typeof values.out === "string") writeAtomic(values.out, `${JSON.stringify(c, null, 2)}\n`);
  const summary = values["no-step-summary"] ? undefined : process.env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, comparisonMarkdown(c, baseDir));
  return c.verdict === "pass" ? ExitCode.Ok : ExitCode.ChecksFailed;
}
