// `report.json`: written for every run, also failed and interrupted ones. `assembleReport` turns
// whatever data exists (possibly partial) into a complete Report; `writeReportSync` is safe to
// call from a `finally` or a signal handler (synchronous, atomic rename, never throws for bad data).
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES, worst, type FaultRow, type NodeLogValue, type PhaseDiff, type Quantiles } from "../checks/index.ts";
import type { AcceptList } from "./accept-file.ts";
import { applyAcceptances, mergeAcceptances, type Acceptances, type ReportCheck } from "./accepted.ts";
import type { HopReport } from "./path-report.ts";
import type { PhaseRow, StepRow } from "./tables.ts";

/**
 * 4: a check's status may be "accepted" (a failure an accept file acknowledges, with its
 * `acceptedBy`), `counts.accepted`, and `acceptances` (each entry of the accept file and what it
 * matched); 3: verdict "error" with its `errorCause` (a step failed outside the upgrade), and the datastore's
 * `auth`; 2: v1 plus the optional `hops` of a multi-hop path. Every earlier field keeps its meaning.
 */
export const REPORT_SCHEMA_VERSION = 6;

/** pass: every check passed; fail: the upgrade failed a check; error: a step outside the upgrade failed, nothing was judged. */
export type Verdict = "pass" | "fail" | "error";

export interface ImageUse {
  /** "old", "new", "datastore", "load-balancer", ... */
  readonly role: string;
  readonly ref: string;
  /** Image id (sha256:...) when known. */
  readonly id?: string;
  /** True for kong-standin images: the run qualifies the harness, not Kong. */
  readonly standin: boolean;
  readonly version?: string;
  /** The datastore's password authentication (Postgres: md5 or scram-sha-256), as the run set it up. */
  readonly auth?: string;
  /** The load balancer's entry only: the HAProxy configuration the harness generated for the run. */
  readonly configuration?: string;
}

export interface AdminSummary {
  readonly writes: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  readonly boundMs: number | null;
  readonly lagMs: {
    readonly all: Quantiles | null;
    readonly perPhase: Readonly<Record<string, Quantiles | null>>;
    readonly perCluster: Readonly<Record<string, Quantiles | null>>;
  };
  /** Each write with when it became visible where (admin-writes-propagated's WriteOutcome). */
  readonly history: readonly unknown[];
}

export interface MigrationOutput {
  readonly f: string;
  readonly image: string;
  readonly phase: string;
  readonly exitCode: number | null;
  readonly durationMs: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly problems: readonly string[];
}

/** A chaos run: its seed, the load balancer's settings, and each fault with what it did. */
export interface ChaosSummary {
  readonly seed: number;
  readonly toxiproxy: boolean;
  readonly loadBalancer: Readonly<Record<string, unknown>>;
  readonly faults: readonly FaultRow[];
  /** Load requests that failed outside every fault window. */
  readonly failedOutsideWindows: number;
}

/** Everything a report may hold; all optional, so a partial run can still be reported. */
export interface ReportInput {
  readonly runId?: string;
  readonly scenario?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly interrupted?: boolean;
  /** "SIGINT", "error budget breached at ...", an error message. */
  readonly interruptReason?: string;
  readonly checks?: readonly ReportCheck[];
  /** Acknowledged findings (`--accept FILE`): a failure an entry matches becomes "accepted". */
  readonly accept?: AcceptList;
  readonly images?: readonly ImageUse[];
  readonly versions?: { readonly old?: string; readonly new?: string };
  readonly phases?: readonly PhaseRow[];
  readonly steps?: readonly StepRow[];
  readonly admin?: AdminSummary;
  readonly migrations?: readonly MigrationOutput[];
  readonly schemaDiffs?: readonly PhaseDiff[];
  readonly nodeLogs?: readonly NodeLogValue[];
  /** Harness errors met on the way (a report is still written). */
  readonly errors?: readonly string[];
  readonly recheckedAt?: string;
  /** The hops of a multi-hop path, in order (`run --path`). */
  readonly hops?: readonly HopReport[];
  /** A chaos run's fault schedule, load balancer settings and what each fault did (from fault-expectations). */
  readonly chaos?: ChaosSummary;
  /** The user's configuration (`--config`) and load profile (`--load`) the run used, and what the probes made of them. */
  readonly configuration?: ConfigurationSummary;
  /** Why the upgrade was not judged: a step failed for a reason outside it (one line). Makes the verdict "error". */
  readonly errorCause?: string;
}

export interface Report {
  readonly schemaVersion: number;
  readonly runId: string | null;
  readonly scenario: string | null;
  /** "pass" only when the run completed, there were checks, and every one passed or was accepted; "error" when `errorCause` says why nothing was judged. */
  readonly verdict: Verdict;
  /** The step outside the upgrade that failed, in one line (datastore refusing the login, an image that does not start, a lab component missing); null unless the verdict is "error". */
  readonly errorCause: string | null;
  readonly interrupted: boolean;
  readonly interruptReason: string | null;
  /** `accepted`: failures an accept entry acknowledged, counted apart from `fail` (they do not fail the verdict). */
  readonly counts: { readonly pass: number; readonly fail: number; readonly unknown: number; readonly accepted: number };
  readonly checks: readonly ReportCheck[];
  /** The accept file the checks were judged with and each entry's outcome; null without one. */
  readonly acceptances: Acceptances | null;
  readonly images: readonly ImageUse[];
  /** True when any image is a stand-in. */
  readonly standin: boolean;
  readonly versions: { readonly old: string | null; readonly new: string | null };
  readonly phases: readonly PhaseRow[];
  readonly steps: readonly StepRow[];
  readonly admin: AdminSummary | null;
  readonly migrations: readonly MigrationOutput[];
  readonly schemaDiffs: readonly PhaseDiff[];
  readonly nodeLogs: readonly NodeLogValue[];
  readonly timings: { readonly startedAt: string | null; readonly finishedAt: string | null; readonly durationMs: number | null };
  readonly errors: readonly string[];
  readonly generatedAt: string;
  readonly recheckedAt: string | null;
  /** Only in a multi-hop path's report: each hop's versions, procedure, checks and verdict. */
  readonly hops?: readonly HopReport[];
  readonly chaos?: ChaosSummary;
  readonly configuration?: ConfigurationSummary;
}

/** What a run was seeded with and driven by, when the user gave their own (`--config`, `--load`). */
export interface ConfigurationSummary {
  /** The declarative configuration file; null: the built-in one. */
  readonly file: string | null;
  /** The load profile file; null: every probe in turn at the run's rate. */
  readonly loadProfile: string | null;
  /** Probes judged (after the baseline left out those the old cluster cannot serve). */
  readonly probes: number;
  readonly plugins: readonly string[];
  /** What the probe generator could not do. */
  readonly notes: readonly string[];
  /** Probes the old cluster answered otherwise than the generator predicted (its answer is the baseline). */
  readonly baselineDiffers: readonly string[];
  /** Probes left out: the old cluster answered them with a server error or not at all. */
  readonly probesLeftOut: readonly string[];
}

/** An accepted failure does not fail the verdict; every other status counts as the check gave it. */
export function verdictOf(checks: readonly ReportCheck[], interrupted: boolean, errorCause?: string): Verdict {
  if (errorCause !== undefined) return "error";
  const judged = checks.map((c) => ({ status: c.status === "accepted" ? "pass" as const : c.status }));
  return !interrupted && checks.length > 0 && worst(judged) === "pass" ? "pass" : "fail";
}

/**
 * The checks with the accept file applied (to the run's versions), or, for a path, its hops'
 * acceptances merged (each hop applied the file to its own checks and versions).
 */
function judged(input: ReportInput, now: Date): { checks: ReportCheck[]; acceptances: Acceptances | null } {
  const checks = [...(input.checks ?? [])];
  const hops = (input.hops ?? []).filter((h) => h.acceptances);
  if (hops.length > 0) {
    return { checks, acceptances: mergeAcceptances(hops.map((h) => ({ label: `hop ${h.index}`, prefix: `hop-${h.index}-`, acceptances: h.acceptances! }))) ?? null };
  }
  if (!input.accept) return { checks, acceptances: null };
  return applyAcceptances(checks, input.versions ?? {}, input.accept, now);
}

export function countsOf(checks: readonly ReportCheck[]): Report["counts"] {
  const n = (s: ReportCheck["status"]): number => checks.filter((c) => c.status === s).length;
  return { pass: n("pass"), fail: n("fail"), unknown: n("unknown"), accepted: n("accepted") };
}

export function assembleReport(input: ReportInput, now: Date = new Date()): Report {
  const { checks, acceptances } = judged(input, now);
  const interrupted = input.interrupted ?? false;
  const images = [...(input.images ?? [])];
  const started = input.startedAt ? Date.parse(input.startedAt) : NaN;
  const finished = input.finishedAt ? Date.parse(input.finishedAt) : NaN;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    runId: input.runId ?? null,
    scenario: input.scenario ?? null,
    verdict: verdictOf(checks, interrupted, input.errorCause),
    errorCause: input.errorCause ?? null,
    interrupted,
    interruptReason: input.interruptReason ?? null,
    counts: countsOf(checks),
    checks,
    acceptances,
    images,
    standin: images.some((i) => i.standin),
    versions: { old: input.versions?.old ?? null, new: input.versions?.new ?? null },
    phases: input.phases ?? [],
    steps: input.steps ?? [],
    admin: input.admin ?? null,
    migrations: input.migrations ?? [],
    schemaDiffs: input.schemaDiffs ?? [],
    nodeLogs: input.nodeLogs ?? [],
    timings: {
      startedAt: input.startedAt ?? null,
      finishedAt: input.finishedAt ?? null,
      durationMs: Number.isFinite(finished - started) ? finished - started : null,
    },
    errors: input.errors ?? [],
    generatedAt: now.toISOString(),
    recheckedAt: input.recheckedAt ?? null,
    ...(input.hops ? { hops: input.hops } : {}),
    ...(input.chaos ? { chaos: input.chaos } : {}),
    ...(input.configuration ? { configuration: input.configuration } : {}),
  };
}

/**
 * JSON that survives Infinity/NaN (as null) and cycles (as "[circular]"). Only an object that is
 * its own ancestor is a cycle: the same object reached twice (admin.history is also the
 * admin-writes-propagated check's data.writes) is written twice.
 */
function toJson(value: unknown): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _k: string, v: unknown) {
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    if (typeof v !== "object" || v === null) return v;
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(v)) return "[circular]";
    ancestors.push(v);
    return v;
  }, 2);
}

/**
 * Writes `<runDir>/report.json` now, synchronously and atomically (tmp file + rename): for a
 * `finally` or a signal handler. Returns the report and its path.
 */
export function writeReportSync(runDir: string, input: ReportInput): { report: Report; path: string } {
  let report: Report;
  try {
    report = assembleReport(input);
  } catch (err) {
    // Never lose the report: keep what can be kept and say what went wrong.
    report = assembleReport({ interrupted: true, errors: [`report data could not be assembled: ${err instanceof Error ? err.message : String(err)}`] });
  }
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, RUN_FILES.report);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${toJson(report)}\n`);
  renameSync(tmp, path);
  return { report, path };
}

/** The stand-in images a report names, each once (a path's middle version is one hop's new and the next hop's old). */
export function standinRefs(report: Pick<Report, "images">): string[] {
  return [...new Set(report.images.filter((i) => i.standin).map((i) => i.ref))];
}
