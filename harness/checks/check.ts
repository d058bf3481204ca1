// The checker contract (Jepsen's, in TypeScript): a check reads the recorded run and returns a
// verdict; composition keeps the worst (fail > unknown > pass); a check that throws or finds no
// data is `unknown`, never `pass`.
import type { Op, RequestLine, UpgradePhase } from "./records.ts";
import type { Timeline } from "./timeline.ts";

export type CheckStatus = "pass" | "fail" | "unknown";

export interface CheckResult {
  readonly id: string;
  readonly status: CheckStatus;
  /** One paragraph a person can act on. */
  readonly message: string;
  /** Human-readable lines; failing results name their evidence file ("see requests.jsonl"). */
  readonly evidence: readonly string[];
  /** Structured data for the report (tables, charts, HTML/JUnit later). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** An expected result of one migration command, matched by f and by the phase it ran in. */
export interface MigrationExpectation {
  readonly f: "migrations-bootstrap" | "migrations-up" | "migrations-finish" | "migrations-list";
  /** Only commands invoked during this phase; default: any phase. */
  readonly phase?: UpgradePhase;
  /** Only commands run with this image; default: any image. */
  readonly image?: string;
  readonly exitCodes: readonly number[];
  /** Lines that must appear (substring of some line of stdout or stderr). */
  readonly required?: readonly string[];
  /** Lines that must not appear. */
  readonly forbidden?: readonly string[];
}

/** What the scenario expects; written to `expectations.json` so a run can be re-checked offline. */
export interface CheckExpectations {
  /** Probe name -> expected status (or any of several). */
  readonly baseline: Readonly<Record<string, number | readonly number[]>>;
  /** Probes whose baseline 200 Kong gives itself, not the upstream (a CORS preflight of a user's configuration); every other 200 must come from the upstream. */
  readonly answeredByKong?: readonly string[];
  /** Node names per cluster. */
  readonly nodes: { readonly blue: readonly string[]; readonly green: readonly string[] };
  /** Planned green weights, in order (e.g. [0, 5, 10, 25, 50, 75, 100]). */
  readonly shiftPlan?: readonly number[];
  /** Allowed distance of the achieved green share from the plan, percentage points; default 3. */
  readonly splitTolerancePct?: number;
  /** db_update_frequency + db_update_propagation + margin, in ms. */
  readonly propagationBoundMs: number;
  /** Kong's documented delay within propagationBoundMs (db_update_frequency + db_update_propagation, + 3.x's rebuild timer), in ms. */
  readonly propagationDelayMs?: number;
  readonly migrations?: readonly MigrationExpectation[];
  /** The new image (its `migrations list` is the truth source). */
  readonly newImage?: string;
  readonly oldImage?: string;
  /** The Kong versions the images report (`kong version`), for diagnoses that depend on them. */
  readonly versions?: { readonly old?: string; readonly new?: string };
  /** Rate limits the seed configured, per probe: 200s per clock second may not exceed perSecond across all nodes. */
  readonly rateLimits?: readonly { readonly probe: string; readonly perSecond: number }[];
  /** Epoch milliseconds of the run clock's origin (timeMs 0), to align requests with Kong's per-second windows. */
  readonly clockOriginEpochMs?: number;
  /** Failures shown in full detail; default 20. */
  readonly firstFailures?: number;
  /** Ids of the checks the scenario runs, in report order; absent: the blue/green list. */
  readonly checks?: readonly string[];
  /** Old-cluster latency during `kong migrations up`: p99 at most `multiple` x the baseline p99, never below `floorMs` (issue 7). */
  readonly upLatency?: { readonly multiple: number; readonly floorMs: number };
  /** Probes that present a credential created before `up` and must answer 200 in every phase (issue 7). */
  readonly credentialProbes?: readonly string[];
  /** Cassandra in place: the longest accepted window from the first to the last failed request, ms. */
  readonly downtimeBudgetMs?: number;
  /** The phase in which failed requests are accepted (the downtime window); default "Cutover". */
  readonly downtimePhase?: UpgradePhase;
  /** New keyspace: Admin writes on the old cluster after the export are refused ("freeze") or recorded and re-applied at the cut-over ("drift", `--drift-mode record`). */
  readonly adminWritesAfterExport?: "freeze" | "drift";
  /** How much slower than the old cluster the new one may answer while both serve; absent: the defaults (latency-parity.ts). */
  readonly latencyParity?: LatencyParityLimits;
}

/** A quantile fails only when new is over `ratio` x old AND over old + `minDeltaMs`. */
export interface LatencyParityLimits {
  readonly p50: { readonly ratio: number; readonly minDeltaMs: number };
  readonly p99: { readonly ratio: number; readonly minDeltaMs: number };
  /** Answers a side needs (in seconds both clusters answered) before a route is judged. */
  readonly minPerSide: number;
  /** Answers a side needs before its p99 is judged too. */
  readonly minPerSideP99: number;
}

export interface CheckContext {
  readonly expectations: CheckExpectations;
  readonly history: readonly Op[];
  readonly timeline: Timeline;
  /** A fresh pass over requests.jsonl each call (streamed, line by line). */
  requests(): AsyncIterable<RequestLine>;
}

export interface Check {
  readonly id: string;
  /** One line for the report and `list`. */
  readonly description: string;
  check(ctx: CheckContext): Promise<CheckResult>;
}

const RANK: Record<CheckStatus, number> = { pass: 0, unknown: 1, fail: 2 };

export const worst = (results: readonly { status: CheckStatus }[]): CheckStatus =>
  results.reduce<CheckStatus>((a, r) => (RANK[r.status] > RANK[a] ? r.status : a), "pass");

export const unknown = (id: string, message: string, evidence: readonly string[] = []): CheckResult =>
  ({ id, status: "unknown", message, evidence });

/** Runs one check; a throw becomes `unknown` with the error in the message (Jepsen's check-safe). */
export async function runCheck(check: Check, ctx: CheckContext): Promise<CheckResult> {
  try {
    return await check.check(ctx);
  } catch (err) {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return unknown(check.id, `check threw, so its verdict is unknown: ${text}`, err instanceof Error && err.stack ? [err.stack] : []);
  }
}

/** Runs every check (in order, one at a time: they stream the same file) and keeps the worst. */
export async function runChecks(checks: readonly Check[], ctx: CheckContext): Promise<{ status: CheckStatus; results: CheckResult[] }> {
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await runCheck(check, ctx));
  return { status: results.length === 0 ? "unknown" : worst(results), results };
}
