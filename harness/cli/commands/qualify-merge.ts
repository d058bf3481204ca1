// `kong-upgrade-harness qualify merge DIR... [--out DIR]`: one qualification report from the shards
// of a plan run on several runners (`qualify --shard K/N`).
import { appendFileSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { headline } from "../../qualify/index.ts";
import { mergeShards } from "../../qualify/merge.ts";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { say } from "../console.ts";
import { exitCodeOfVerdict, type ExitCode } from "../exit-codes.ts";

export const QUALIFY_MERGE_HELP = `  qualify merge SHARD-DIR... [--out DIR] [--no-step-summary]
                   merge the folders of every shard of one plan into one qualification (index.html,
                   qualification.json, junit.xml, summary.md, each run's folder) judged like the plan
                   run in one piece; exit as \`qualify\` does, 3 when a shard is missing, given twice,
                   or ran another plan (the error names it); summary appended to $GITHUB_STEP_SUMMARY`;

export function qualifyMergeCommand(args: readonly string[]): ExitCode {
  const { values, positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: {
    out: { type: "string" }, "no-step-summary": { type: "boolean", default: false },
  } });
  const outDir = resolve(values.out ?? resolve(PROJECT_ROOT, "reports/qualify", `merged-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  const { qualification: q, files } = mergeShards(positionals, outDir, new Date());
  const summary = values["no-step-summary"] ? undefined : process.env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, readFileSync(files.markdown, "utf8"));
  say("qualify")(`${headline(q)}; merged ${q.mergedFrom?.length ?? 0} shards; report: ${files.html}`);
  return exitCodeOfVerdict(q.verdict);
}
