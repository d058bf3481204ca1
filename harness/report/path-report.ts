// The hops of a multi-hop upgrade path in one report.json (schema v2's `hops`): each hop is a run's
// report of its own (versions, procedure, checks, verdict, tables), and the run's top-level checks
// are every hop's checks, their ids prefixed by the hop, so every existing reader judges them all.
import type { ReportCheck } from "./accepted.ts";
import { assembleReport, type Report, type ReportInput } from "./report.ts";

/** One hop of a path: where it went, how, and its own report (minus what only a whole run has). */
export interface HopReport extends Omit<Report, "schemaVersion" | "runId" | "generatedAt" | "recheckedAt" | "hops"> {
  /** 1-based position in the path. */
  readonly index: number;
  /** The hop's ends as `plan` gave them (`2.8.x` for a series stop). */
  readonly from: string;
  readonly to: string;
  /** `plan`'s procedure for the hop: postgres-blue-green, cassandra-in-place, cassandra-new-keyspace. */
  readonly procedure: string;
  /** The hop's folder inside the run directory (its history.jsonl and requests.jsonl). */
  readonly dir: string;
  /** The step that failed and why; later hops are then not run. Null when every step ran. */
  readonly failedStep: string | null;
  /** False for a hop that never started because an earlier one failed or the run was interrupted. */
  readonly ran: boolean;
}

export interface HopMeta {
  readonly index: number; readonly from: string; readonly to: string; readonly procedure: string; readonly dir: string;
  readonly failedStep: string | null;
}

/** A hop's entry from what its scenario recorded (the ReportInput its checks produced). */
export function hopReport(meta: HopMeta, input: ReportInput, ran = true): HopReport {
  const { schemaVersion: _v, runId: _r, generatedAt: _g, recheckedAt: _c, hops: _h, ...rest } = assembleReport(input);
  return { ...rest, ...meta, ran };
}

/** The prefix that ties a top-level check to its hop: `hop-2-zero-failed-requests`. */
export const hopCheckId = (index: number, id: string): string => `hop-${index}-${id}`;

/**
 * The run's checks: each hop's, prefixed, without their bulky data (it stays in `hops`); a hop with
 * no check (not run, or its checks could not run) is one unknown `hop-N-checks-ran`.
 */
export function pathChecks(hops: readonly HopReport[]): ReportCheck[] {
  return hops.flatMap((h): ReportCheck[] => {
    if (h.checks.length === 0) {
      const why = h.ran ? (h.errors[0] ?? h.failedStep ?? "no check ran") : (h.errors[0] ?? "not run");
      return [{ id: hopCheckId(h.index, "checks-ran"), status: "unknown", message: `hop ${h.index} (${h.from} -> ${h.to}): ${why}`, evidence: [...h.errors] }];
    }
    return h.checks.map((c) => ({ id: hopCheckId(h.index, c.id), status: c.status, message: c.message, evidence: c.evidence,
      ...(c.acceptedBy ? { acceptedBy: c.acceptedBy } : {}), ...(c.notAccepted ? { notAccepted: c.notAccepted } : {}) }));
  });
}

/** A hop as a Report of its own, for the renderers that draw one run (tables, Markdown). */
export function hopAsReport(h: HopReport, parent: Pick<Report, "schemaVersion" | "runId" | "generatedAt">): Report {
  const { index: _i, from: _f, to: _t, procedure: _p, dir: _d, failedStep: _s, ran: _r, ...rest } = h;
  return { ...rest, schemaVersion: parent.schemaVersion, runId: `${parent.runId ?? "run"}/${h.dir}`, generatedAt: parent.generatedAt, recheckedAt: null };
}
