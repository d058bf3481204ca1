// The console summary of a report (the CLI prints it; this module never writes to the console).
import type { Quantiles } from "../checks/index.ts";
import { countsText } from "./accepted.ts";
import type { Report } from "./report.ts";

const STATUS: Record<string, string> = { pass: "PASS", fail: "FAIL", unknown: "UNKNOWN", accepted: "ACCEPTED" };
const MESSAGE_WIDTH = 160;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()}`);
}

const num = (v: number): string => v.toLocaleString("en-US");
const dur = (msValue: number | null): string => (msValue === null ? "open" : `${(msValue / 1000).toFixed(1)} s`);
const p99 = (q: Quantiles | null): string => (q ? `${Math.round(q.p99)} ms` : "-");
const failures = (f: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(f).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${num(v)} ${k}`);
  return parts.length ? parts.join(", ") : "0";
};
const clip = (s: string): string => (s.length > MESSAGE_WIDTH ? `${s.slice(0, MESSAGE_WIDTH - 1)}…` : s);

export interface SummaryOptions {
  /** Where report.json was written; shown on the last line. */
  readonly reportPath?: string;
}

export function formatSummary(report: Report, options: SummaryOptions = {}): string {
  const out: string[] = [];
  const title = report.scenario ? `${report.scenario}: ` : "";
  const versions = report.versions.old || report.versions.new ? ` (${report.versions.old ?? "?"} -> ${report.versions.new ?? "?"})` : "";
  out.push(`${title}upgrade${versions} ${report.verdict.toUpperCase()}${report.interrupted ? ` (interrupted${report.interruptReason ? `: ${report.interruptReason}` : ""})` : ""}`);
  if (report.errorCause) out.push(`  NOT JUDGED: a step failed for a reason outside the upgrade: ${report.errorCause}`);
  if (report.standin) out.push("  STAND-IN images were used: this run qualifies the harness and the model, not Kong itself");
  for (const i of report.images) out.push(`  image ${i.role}: ${i.ref}${i.id ? ` (${i.id.slice(0, 19)})` : ""}${i.auth ? ` (auth ${i.auth})` : ""}${i.standin ? " [stand-in]" : ""}`);
  out.push("", "checks:");
  if (report.checks.length === 0) out.push("  (no checks ran)");
  else out.push(...table(report.checks.map((c) => [STATUS[c.status] ?? c.status, c.id, clip(c.message)])));
  if (report.acceptances) {
    out.push("", `acknowledged findings (${report.acceptances.file}):`);
    if (report.acceptances.entries.length === 0) out.push("  (the file has no entries)");
    for (const e of report.acceptances.entries) out.push(`  ${e.state.toUpperCase()} entry ${e.entry} ${e.check}: ${clip(e.note)}`, `    reason: ${clip(e.reason)}`);
  }
  if (report.phases.length > 0) {
    out.push("", "phases:");
    out.push(...table([["phase", "duration", "requests", "failures", "p99 blue", "p99 green"],
      ...report.phases.map((p) => [p.phase, dur(p.durationMs), num(p.requests), failures(p.failures), p99(p.latencyMs.blue), p99(p.latencyMs.green)])]));
  }
  if (report.steps.length > 0) {
    out.push("", "shift steps (green weight):");
    out.push(...table([["planned", "achieved", "requests", "failures", "p99 blue", "p99 green"],
      ...report.steps.map((s) => [`${s.plannedWeight}%`, s.achievedWeight === null ? "-" : `${s.achievedWeight.toFixed(1)}%`, num(s.requests), failures(s.failures), p99(s.latencyMs.blue), p99(s.latencyMs.green)])]));
  }
  if (report.admin) {
    const a = report.admin;
    const lag = a.lagMs.all ? `lag p50 ${Math.round(a.lagMs.all.p50)} ms, p99 ${Math.round(a.lagMs.all.p99)} ms, max ${Math.round(a.lagMs.all.max)} ms` : "no lag measured";
    out.push("", `admin writes: ${num(a.writes)} (${num(a.ok)} ok, ${num(a.failed)} failed, ${num(a.unknown)} unknown); ${lag}${a.boundMs !== null ? ` (bound ${a.boundMs} ms)` : ""}`);
  }
  if (report.chaos) {
    out.push("", `faults (seed ${report.chaos.seed}; ${num(report.chaos.failedOutsideWindows)} failed requests outside their windows):`);
    out.push(...table([["fault", "what", "expect", "failed/requests", "retried", "verdict"],
      ...report.chaos.faults.map((f) => [f.id, `${f.kind} ${f.target}`, f.expect.kind === "budget" ? `budget <= ${f.expect.maxFailures}` : f.expect.kind, `${num(f.failures)}/${num(f.requests)}`, num(f.retried), f.state === "recovered" ? f.verdict : `${f.verdict} (${f.state})`])]));
  }
  for (const e of report.errors) out.push(`error: ${e}`);
  const c = report.counts;
  const why = report.errorCause ? `: ${report.errorCause}` : ` (${countsText(c, Boolean(report.acceptances))})`;
  out.push("", `verdict: ${report.verdict.toUpperCase()}${why}${options.reportPath ? `; report: ${options.reportPath}` : ""}`);
  return out.join("\n");
}
