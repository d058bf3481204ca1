// summary.md: a short Markdown summary of a run for CI job summaries (GitHub's step summary) and
// pull-request comments: verdict, stand-in warning, failing checks, steps, propagation lag.
import { reportView, worstPhaseP99 } from "./html/report-view.ts";
import { hopsMarkdown } from "./hops-markdown.ts";
import { acceptanceLine, countsText } from "./accepted.ts";
import { standinRefs, type Report } from "./report.ts";

const MESSAGE_WIDTH = 300;

/** Escapes text for a Markdown table cell. */
export const mdCell = (text: string): string => {
  const one = text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  return one.length > MESSAGE_WIDTH ? `${one.slice(0, MESSAGE_WIDTH - 1)}…` : one;
};

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
const n = (v: number): string => v.toLocaleString("en-US");
const ICON: Record<string, string> = { pass: "✅ pass", fail: "❌ fail", unknown: "⚠️ unknown", accepted: "☑️ accepted" };
const VERDICT: Record<Report["verdict"], string> = { pass: "✅ PASS", fail: "❌ FAIL", error: "⛔ ERROR" };

export interface MarkdownOptions {
  /** Where the HTML report is, shown as a hint (a path or an artifact name). */
  readonly htmlPath?: string;
  /** Heading level of the title (default 2). */
  readonly level?: number;
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const v = reportView(report);
  const h = "#".repeat(options.level ?? 2);
  const versions = report.versions.old || report.versions.new ? ` ${report.versions.old ?? "?"} → ${report.versions.new ?? "?"}` : "";
  const out: string[] = [`${h} ${VERDICT[report.verdict]}: ${report.scenario ?? "run"}${versions}`, ""];
  if (report.errorCause) out.push(`> **Not judged**: a step failed for a reason outside the upgrade: ${mdCell(report.errorCause)}`, "");
  if (report.standin) out.push(`> **Stand-in images** (${standinRefs(report).map((ref) => `\`${ref}\``).join(", ")}): this run qualifies the harness and the model, not Kong itself.`, "");
  if (report.interrupted) out.push(`> **Interrupted**: ${report.interruptReason ?? "the run did not complete"}.`, "");
  for (const e of report.errors) out.push(`> **Harness error**: ${mdCell(e)}`, "");
  const c = report.counts;
  const req = v.requests ? `${n(v.requests.failed)} of ${n(v.requests.total)} requests failed` : "no request data";
  const p99 = worstPhaseP99(report);
  const lag = v.admin?.lagMs.all;
  out.push(`${countsText(c, Boolean(report.acceptances))} checks · ${req} · worst p99 old ${ms(p99.blue)} / new ${ms(p99.green)}`
    + `${lag ? ` · propagation lag p99 ${ms(lag.p99)}` : ""}${v.downtimeMs !== null ? ` · downtime ${ms(v.downtimeMs)}` : ""} · run time ${report.timings.durationMs === null ? "–" : `${(report.timings.durationMs / 1000).toFixed(0)} s`}`, "");
  out.push(...hopsMarkdown(report));
  if (report.checks.length) {
    out.push("| check | status | message |", "|---|---|---|");
    const ordered = [...v.failedChecks, ...v.acceptedChecks, ...report.checks.filter((x) => x.status === "pass")];
    for (const x of ordered) {
      const note = x.acceptedBy ? ` (accepted by entry ${x.acceptedBy.entry}: ${x.acceptedBy.reason})` : x.notAccepted ? ` (${x.notAccepted})` : "";
      out.push(`| \`${x.id}\` | ${ICON[x.status] ?? x.status} | ${mdCell(`${x.message}${note}`)} |`);
    }
    out.push("");
  } else out.push("No check ran.", "");
  if (report.acceptances) {
    out.push(`<details${report.acceptances.entries.some((e) => e.state === "stale" || e.state === "expired") ? " open" : ""}><summary>Acknowledged findings: \`${report.acceptances.file}\`</summary>`, "");
    for (const e of report.acceptances.entries) out.push(`- ${mdCell(acceptanceLine(e))}`);
    out.push("", "</details>", "");
  }
  if (report.steps.length) {
    out.push("<details><summary>Shift steps</summary>", "", "| planned | achieved | requests | failures | p99 old | p99 new |", "|---:|---:|---:|---|---:|---:|");
    for (const s of report.steps) {
      const f = Object.entries(s.failures).map(([k, x]) => `${x} ${k}`).join(", ") || "0";
      out.push(`| ${s.plannedWeight}% | ${s.achievedWeight === null ? "–" : `${s.achievedWeight.toFixed(1)}%`} | ${n(s.requests)} | ${f} | ${ms(s.latencyMs.blue?.p99)} | ${ms(s.latencyMs.green?.p99)} |`);
    }
    out.push("", "</details>", "");
  }
  if (report.chaos) {
    out.push(`<details><summary>Faults (seed ${report.chaos.seed})</summary>`, "", "| fault | what | expectation | failed / requests | retried | outcome |", "|---|---|---|---:|---:|---|");
    for (const f of report.chaos.faults) {
      const expect = f.expect.kind === "budget" ? `budget ≤ ${f.expect.maxFailures}` : f.expect.kind;
      out.push(`| ${ICON[f.verdict] ?? f.verdict} \`${f.id}\` | ${mdCell(`${f.kind} ${f.target}, ${f.at}`)} | ${expect} | ${n(f.failures)} / ${n(f.requests)} | ${n(f.retried)} | ${mdCell(f.problem ?? f.outcome)} |`);
    }
    out.push("", "</details>", "");
  }
  if (options.htmlPath) out.push(`Full report: \`${options.htmlPath}\``, "");
  return `${out.join("\n")}\n`;
}
