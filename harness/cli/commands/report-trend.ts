// `kong-upgrade-harness report trend DIR... [--out FILE]`: one page with each pair's verdict, run time
// and p99 per night, from several nights' qualification folders.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { InvalidConfigError } from "../../errors.ts";
import { readQualification } from "../../qualify/read-qualification.ts";
import { writeAtomic } from "../../report/render.ts";
import { trendHtml } from "../../report/trend-html.ts";
import { buildTrend } from "../../report/trend.ts";
import { say } from "../console.ts";
import { ExitCode } from "../exit-codes.ts";

export const REPORT_TREND_HELP = `  report trend QUALIFICATION-DIR... [--out FILE]
                   one self-contained page (default trend.html) from several nights' qualification
                   folders (or qualification.json files): each pair's verdict, run time and p99 per
                   night, flaky and degrading pairs first; exit 0 (it judges nothing)`;

export function reportTrendCommand(args: readonly string[]): ExitCode {
  const { values, positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { out: { type: "string" } } });
  if (positionals.length === 0) throw new InvalidConfigError(["`report trend` needs the qualification folders of the nights to show"], { hint: "e.g. `report trend nights/*/`" });
  const trend = buildTrend(positionals.map((dir) => ({ dir, qualification: readQualification(dir) })));
  const out = resolve(values.out ?? "trend.html");
  writeAtomic(out, trendHtml(trend));
  say("report")(`trend of ${trend.nights.length} nights, ${trend.rows.length} pairs (${trend.rows.filter((r) => r.flaky).length} flaky, ${trend.rows.filter((r) => r.degrading.length).length} degrading): ${out}`);
  return ExitCode.Ok;
}
