// `compare <baseline> <current>` when both are qualifications (a folder with qualification.json, or
// the file): new failures, fixed pairs, pairs still failing, run time and p99 changes.
import { appendFileSync } from "node:fs";
import { InvalidConfigError } from "../../errors.ts";
import { compareQualifications, formatQualificationComparison, qualificationComparisonMarkdown, type QualificationThresholds } from "../../qualify/compare-qualifications.ts";
import { qualificationFile, readQualification } from "../../qualify/read-qualification.ts";
import { writeAtomic } from "../../report/render.ts";
import { ExitCode } from "../exit-codes.ts";

/** Whether `compare` was given qualifications; bad input when only one of the two is. */
export function comparesQualifications(baseDir: string, curDir: string, isRun: (dir: string) => boolean): boolean {
  const q = [baseDir, curDir].map((d) => !isRun(d) && qualificationFile(d) !== undefined);
  if (q[0] !== q[1]) {
    throw new InvalidConfigError([`${q[0] ? baseDir : curDir} is a qualification and ${q[0] ? curDir : baseDir} is not`], { hint: "compare two runs, or two qualifications" });
  }
  return q[0]!;
}

/** Exit 1 on a regression: a new failure, a check newly failing in a pair still failing, a run time or p99 over the thresholds. */
export function compareQualificationsCommand(baseDir: string, curDir: string, t: QualificationThresholds, options: { out?: string; summary?: string }): ExitCode {
  const c = compareQualifications(readQualification(baseDir), readQualification(curDir), t);
  process.stdout.write(`${formatQualificationComparison(c, baseDir, curDir)}\n`);
  if (options.out) writeAtomic(options.out, `${JSON.stringify(c, null, 2)}\n`);
  if (options.summary) appendFileSync(options.summary, qualificationComparisonMarkdown(c, baseDir));
  return c.verdict === "pass" ? ExitCode.Ok : ExitCode.ChecksFailed;
}
