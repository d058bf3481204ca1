// `compare <baseline-dir> <dir>`: flags regressions of a run against a previous one (e.g. last
// night's): new check failures, more failed requests, p99 latency per phase and cluster, Admin-write
// propagation lag p99, downtime window, run time. Pure: it compares two Reports.
import type { Quantiles } from "../checks/index.ts";
import { acceptanceLine } from "./accepted.ts";
import { reportView } from "./html/report-view.ts";
import type { Report } from "./report.ts";

export interface CompareThresholds {
  /** Failed requests may exceed the baseline's by at most this many. */
  readonly maxNewFailedRequests: number;
  /** A phase's p99 (per cluster) regresses when current > baseline x ratio AND current - baseline > minDelta. */
  readonly p99Ratio: number;
  readonly p99MinDeltaMs: number;
  /** Phases with fewer latency samples (either run) are not compared. */
  readonly minSamples: number;
  readonly lagP99Ratio: number;
  readonly lagP99MinDeltaMs: number;
  /** The downtime window may grow by at most this much. */
  readonly downtimeMaxDeltaMs: number;
  readonly runTimeRatio: number;
  readonly runTimeMinDeltaMs: number;
}

/** Defaults (documented in `compare --help`): loose enough that two clean runs on a busy 2-core machine agree. */
export const DEFAULT_THRESHOLDS: CompareThresholds = {
  maxNewFailedRequests: 0,
  // A p99 over a few hundred requests is close to their maximum: on shared CI machines it swings by
  // a few hundred ms between identical runs, so smaller phases and smaller steps are not judged.
  p99Ratio: 2, p99MinDeltaMs: 250, minSamples: 500,
  lagP99Ratio: 2, lagP99MinDeltaMs: 500,
  downtimeMaxDeltaMs: 1000,
  runTimeRatio: 1.5, runTimeMinDeltaMs: 60_000,
};

export interface Finding {
  /** "check:zero-failed-requests", "failed-requests", "p99:Shift:green", "lag-p99", "downtime", "run-time", "verdict". */
  readonly metric: string;
  readonly baseline: number | string | null;
  readonly current: number | string | null;
  readonly regression: boolean;
  readonly message: string;
}

export interface Comparison {
  readonly verdict: "pass" | "regression";
  readonly regressions: readonly Finding[];
  readonly findings: readonly Finding[];
  /** Differences that make the comparison weaker (other versions, images, scenario). */
  readonly notes: readonly string[];
  readonly thresholds: CompareThresholds;
}

const r0 = (v: number): number => Math.round(v);
const grew = (base: number, cur: number, ratio: number, minDelta: number): boolean => cur > base * ratio && cur - base > minDelta;

/**
 * A check that fails or is unknown now regresses when it passed, did not run, or was an accepted
 * failure in the baseline (the acknowledged finding changed, or its entry expired). An accepted
 * failure is never a regression: the team acknowledged it; it is listed.
 */
function checkFindings(base: Report, cur: Report): Finding[] {
  const before = new Map(base.checks.map((c) => [c.id, c.status]));
  return cur.checks.filter((c) => c.status !== "pass").map((c) => {
    const was = before.get(c.id) ?? null;
    if (c.status === "accepted") {
      return { metric: `check:${c.id}`, baseline: was, current: c.status, regression: false,
        message: `${c.id} fails, accepted (baseline: ${was ?? "not run"})${c.acceptedBy ? ` by entry ${c.acceptedBy.entry}: ${c.acceptedBy.reason}` : ""}` };
    }
    const regression = was === "pass" || was === null || was === "accepted";
    return { metric: `check:${c.id}`, baseline: was, current: c.status, regression,
      message: regression ? `${c.id} ${c.status === "fail" ? "fails" : "is unknown"} now (baseline: ${was ?? "not run"}${c.notAccepted ? `; ${c.notAccepted}` : ""}): ${c.message}` : `${c.id} was already ${was} in the baseline` };
  });
}

function latencyFindings(base: Report, cur: Report, t: CompareThresholds): Finding[] {
  const out: Finding[] = [];
  for (const p of cur.phases) {
    const b = base.phases.find((x) => x.phase === p.phase);
    if (!b) continue;
    for (const cluster of ["blue", "green"] as const) {
      const bq: Quantiles | null = b.latencyMs[cluster];
      const cq: Quantiles | null = p.latencyMs[cluster];
      if (!bq || !cq || bq.count < t.minSamples || cq.count < t.minSamples) continue;
      const regression = grew(bq.p99, cq.p99, t.p99Ratio, t.p99MinDeltaMs);
      out.push({ metric: `p99:${p.phase}:${cluster}`, baseline: r0(bq.p99), current: r0(cq.p99), regression,
        message: `${p.phase} ${cluster === "blue" ? "old" : "new"} cluster p99 ${r0(bq.p99)} ms -> ${r0(cq.p99)} ms${regression ? ` (over x${t.p99Ratio} and +${t.p99MinDeltaMs} ms)` : ""}` });
    }
  }
  return out;
}

function scalar(metric: string, label: string, base: number | null, cur: number | null, regressed: (b: number, c: number) => boolean, unit = "ms"): Finding[] {
  if (cur === null) return [];
  if (base === null) return [{ metric, baseline: null, current: r0(cur), regression: false, message: `${label}: ${r0(cur)} ${unit} (no baseline figure)` }];
  const regression = regressed(base, cur);
  return [{ metric, baseline: r0(base), current: r0(cur), regression, message: `${label} ${r0(base)} ${unit} -> ${r0(cur)} ${unit}${regression ? " (regression)" : ""}` }];
}

function notes(base: Report, cur: Report): string[] {
  const out: string[] = [];
  if (base.scenario !== cur.scenario) out.push(`different scenarios: ${base.scenario ?? "?"} vs ${cur.scenario ?? "?"}`);
  if (base.versions.old !== cur.versions.old || base.versions.new !== cur.versions.new) {
    out.push(`different versions: ${base.versions.old ?? "?"} -> ${base.versions.new ?? "?"} vs ${cur.versions.old ?? "?"} -> ${cur.versions.new ?? "?"}`);
  }
  const refs = (r: Report): string => r.images.map((i) => `${i.role}=${i.ref}${i.id ? `@${i.id.slice(7, 19)}` : ""}`).sort().join(" ");
  if (refs(base) !== refs(cur)) out.push(`different images: ${refs(base)} vs ${refs(cur)}`);
  if (base.interrupted) out.push("the baseline run was interrupted");
  // A stale or expired acknowledgement is news for the team, not a regression.
  for (const e of cur.acceptances?.entries ?? []) if (e.state === "stale" || e.state === "expired") out.push(`accept ${acceptanceLine(e)}`);
  return out;
}

export function compareReports(base: Report, cur: Report, t: CompareThresholds = DEFAULT_THRESHOLDS): Comparison {
  const bv = reportView(base);
  const cv = reportView(cur);
  const findings: Finding[] = [];
  if (base.verdict === "pass" && cur.verdict === "fail") {
    findings.push({ metric: "verdict", baseline: "pass", current: "fail", regression: true, message: `verdict pass -> fail${cur.interrupted ? ` (interrupted: ${cur.interruptReason ?? "?"})` : ""}` });
  }
  findings.push(...checkFindings(base, cur));
  findings.push(...scalar("failed-requests", "failed requests", bv.requests?.failed ?? null, cv.requests?.failed ?? null, (b, c) => c - b > t.maxNewFailedRequests, "requests"));
  findings.push(...latencyFindings(base, cur, t));
  findings.push(...scalar("lag-p99", "propagation lag p99", bv.admin?.lagMs.all?.p99 ?? null, cv.admin?.lagMs.all?.p99 ?? null, (b, c) => grew(b, c, t.lagP99Ratio, t.lagP99MinDeltaMs)));
  findings.push(...scalar("downtime", "downtime window", bv.downtimeMs, cv.downtimeMs, (b, c) => c - b > t.downtimeMaxDeltaMs));
  findings.push(...scalar("run-time", "run time", base.timings.durationMs, cur.timings.durationMs, (b, c) => grew(b, c, t.runTimeRatio, t.runTimeMinDeltaMs)));
  const regressions = findings.filter((f) => f.regression);
  return { verdict: regressions.length ? "regression" : "pass", regressions, findings, notes: notes(base, cur), thresholds: t };
}

/** Console / log text of a comparison. */
export function formatComparison(c: Comparison, baseDir: string, curDir: string): string {
  const out = [`compare ${curDir} against baseline ${baseDir}: ${c.verdict === "pass" ? "no regression" : `${c.regressions.length} regression(s)`}`];
  for (const f of c.regressions) out.push(`  REGRESSION ${f.metric}: ${f.message}`);
  for (const f of c.findings.filter((x) => !x.regression)) out.push(`  ok         ${f.metric}: ${f.message}`);
  for (const n of c.notes) out.push(`  note: ${n}`);
  return out.join("\n");
}

/** Markdown for a CI job summary. */
export function comparisonMarkdown(c: Comparison, baseLabel: string): string {
  const rows = [...c.regressions, ...c.findings.filter((f) => !f.regression)]
    .map((f) => `| ${f.regression ? "❌" : "✅"} | \`${f.metric}\` | ${f.baseline ?? "–"} | ${f.current ?? "–"} | ${f.message.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ").slice(0, 240)} |`);
  return [`### Compared with ${baseLabel}: ${c.verdict === "pass" ? "no regression" : `${c.regressions.length} regression(s)`}`, "",
    "| | metric | baseline | current | |", "|---|---|---:|---:|---|", ...rows, "", ...c.notes.map((n) => `> note: ${n}`), ""].join("\n");
}
