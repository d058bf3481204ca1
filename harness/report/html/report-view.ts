// A report.json as the renderers read it: the typed Report plus the pieces that live in check
// data (admin history, migration outputs, schema diffs, failed-request totals). Reports written
// before a field existed, or whose top-level copy was lost, fall back to the check's own data.
import { readFileSync } from "node:fs";
import type { PhaseDiff, Quantiles } from "../../checks/index.ts";
import type { ReportCheck } from "../accepted.ts";
import type { WriteOutcome } from "../../checks/admin-writes-propagated.ts";
import { InvalidConfigError } from "../../errors.ts";
import type { AdminSummary, MigrationOutput, Report } from "../report.ts";

/** One Admin API write with when it became visible where: admin-writes-propagated's outcome. */
export type WriteView = WriteOutcome;

export interface AdminView extends Omit<AdminSummary, "history"> { readonly history: readonly WriteView[] }

export interface ReportView {
  readonly report: Report;
  readonly admin: AdminView | null;
  readonly migrations: readonly MigrationOutput[];
  readonly schemaDiffs: readonly PhaseDiff[];
  /** From zero-failed-requests: requests judged and how many failed; null when it has no data. */
  readonly requests: { readonly total: number; readonly failed: number } | null;
  /** Downtime window in ms when a check measured one (data.windowMs of a "downtime*" check). */
  readonly downtimeMs: number | null;
  /** Failed and unknown checks (an accepted failure is in acceptedChecks). */
  readonly failedChecks: readonly ReportCheck[];
  /** Failures an accept file acknowledged. */
  readonly acceptedChecks: readonly ReportCheck[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const dataOf = (r: Report, id: string): Record<string, unknown> | undefined => r.checks.find((c) => c.id === id)?.data as Record<string, unknown> | undefined;
const arrayOr = <T>(value: unknown, fallback: unknown): readonly T[] =>
  (Array.isArray(value) ? value : Array.isArray(fallback) ? fallback : []) as readonly T[];

function adminView(r: Report): AdminView | null {
  const d = dataOf(r, "admin-writes-propagated");
  const a = r.admin as (AdminSummary & Record<string, unknown>) | null;
  if (!a && !d) return null;
  const history = arrayOr<WriteView>(a?.history, d?.writes);
  const lags = isObject(a?.lagMs) ? a.lagMs : isObject(d?.lags) ? (d.lags as unknown as AdminSummary["lagMs"]) : { all: null, perPhase: {}, perCluster: {} };
  return {
    writes: a?.writes ?? history.length,
    ok: a?.ok ?? history.filter((w) => w.type === "ok").length,
    failed: a?.failed ?? history.filter((w) => w.type === "fail").length,
    unknown: a?.unknown ?? history.filter((w) => w.type === "info").length,
    boundMs: a?.boundMs ?? (typeof d?.bound === "number" ? d.bound : null),
    lagMs: lags,
    history,
  };
}

function downtime(r: Report): number | null {
  const c = r.checks.find((x) => x.id.startsWith("downtime") && typeof x.data?.windowMs === "number");
  return c ? (c.data!.windowMs as number) : null;
}

/** A chaos run has fault-expectations instead of zero-failed-requests: failures inside and outside fault windows. */
function chaosRequests(r: Report): { total: number; failed: number } | null {
  const d = dataOf(r, "fault-expectations");
  if (typeof d?.total !== "number" || !Array.isArray(d.faults)) return null;
  const inWindows = (d.faults as { failures: number }[]).reduce((sum, f) => sum + f.failures, 0);
  return { total: d.total, failed: inWindows + Number(d.failedOutsideWindows ?? 0) };
}

export function reportView(report: Report): ReportView {
  const zero = dataOf(report, "zero-failed-requests");
  return {
    report,
    admin: adminView(report),
    migrations: arrayOr<MigrationOutput>(report.migrations, dataOf(report, "migrations-output")?.commands),
    schemaDiffs: arrayOr<PhaseDiff>(report.schemaDiffs, dataOf(report, "schema-only-adds")?.diffs),
    requests: typeof zero?.total === "number" && typeof zero.failed === "number" ? { total: zero.total, failed: zero.failed } : chaosRequests(report),
    downtimeMs: downtime(report),
    failedChecks: report.checks.filter((c) => c.status === "fail" || c.status === "unknown"),
    acceptedChecks: report.checks.filter((c) => c.status === "accepted"),
  };
}

/** Reads and minimally checks a report.json (the renderers' and `compare`'s input). */
export function readReport(file: string): Report {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InvalidConfigError([`${file} is not a readable report.json: ${err instanceof Error ? err.message : String(err)}`], { cause: err });
  }
  const r = parsed as Partial<Report>;
  const problems: string[] = [];
  if (!isObject(parsed)) problems.push(`${file}: not a JSON object`);
  else {
    if (typeof r.schemaVersion !== "number") problems.push(`${file}: "schemaVersion" is missing`);
    if (r.verdict !== "pass" && r.verdict !== "fail" && r.verdict !== "error") problems.push(`${file}: "verdict" must be "pass", "fail" or "error"`);
    if (!Array.isArray(r.checks)) problems.push(`${file}: "checks" must be an array`);
  }
  if (problems.length) throw new InvalidConfigError(problems, { hint: "give a run directory written by `kong-upgrade-harness run`" });
  return parsed as Report;
}

/** Worst p99 across phases per cluster (what `compare` and the summary call "p99"). */
export function worstPhaseP99(report: Report, minCount = 1): { blue: number | null; green: number | null } {
  const pick = (c: "blue" | "green"): number | null => {
    const qs = report.phases.map((p) => p.latencyMs[c]).filter((q): q is Quantiles => q !== null && q.count >= minCount);
    return qs.length ? Math.max(...qs.map((q) => q.p99)) : null;
  };
  return { blue: pick("blue"), green: pick("green") };
}
