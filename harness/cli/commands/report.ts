// `kong-upgrade-harness report <run-dir>`: re-renders report.html, junit.xml and summary.md from a
// saved report.json (+ the run's requests.jsonl for the timeline). Appends the summary to
// $GITHUB_STEP_SUMMARY when it is set (only the CLI reads the environment).
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { InvalidConfigError } from "../../errors.ts";
import { renderReports } from "../../report/render.ts";
import { say } from "../console.ts";
import { exitCodeOfVerdict, type ExitCode } from "../exit-codes.ts";
import { REPORT_TREND_HELP, reportTrendCommand } from "./report-trend.ts";

export const REPORT_HELP = `  report <run-dir> [--no-step-summary]
                   re-render report.html, junit.xml and summary.md from the run's report.json
                   (summary appended to $GITHUB_STEP_SUMMARY when set); exit 0 pass, 1 fail, 3 error
${REPORT_TREND_HELP}`;

export async function reportCommand(args: readonly string[]): Promise<ExitCode> {
  if (args[0] === "trend") return reportTrendCommand(args.slice(1));
  const { values, positionals } = parseArgs({ args: [...args], options: { "no-step-summary": { type: "boolean", default: false } }, strict: true, allowPositionals: true });
  const runDir = positionals[0];
  if (positionals.length !== 1 || !runDir || !existsSync(runDir)) {
    throw new InvalidConfigError([`run directory "${runDir ?? ""}" does not exist`], { hint: "give the folder of a run, e.g. reports/runs/<run>" });
  }
  const summary = values["no-step-summary"] ? undefined : process.env.GITHUB_STEP_SUMMARY;
  const r = await renderReports(runDir, summary ? { stepSummaryPath: summary } : {});
  const log = say("report");
  for (const w of r.warnings) log(`warning: ${w}`);
  log(`${r.report.verdict.toUpperCase()}: wrote ${r.html}, ${r.junit}, ${r.markdown}${summary ? ` (summary appended to ${summary})` : ""}`);
  return exitCodeOfVerdict(r.report.verdict);
}
