// Achieved traffic split per shift step, from RequestRecords: pure, shared by the live shift
// driver, the split check and the report. A step with no requests has verdict "unknown" (no data
// is never a pass).
import type { RequestRecord } from "../checks/records.ts";

/** A step as the history or the load balancer saw it: planned green share over a time window. */
export interface StepWindow {
  readonly index: number;
  /** Planned percent to green. */
  readonly greenWeight: number;
  /** Window of request start times, [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface StepSplit {
  readonly index: number;
  readonly plannedGreen: number;
  readonly requests: number;
  readonly blue: number;
  readonly green: number;
  /** Achieved percent to green (of requests routed to a cluster); null without requests. */
  readonly achievedGreen: number | null;
  /** |achieved - planned| in percentage points; null without requests. */
  readonly deviationPp: number | null;
  readonly verdict: "pass" | "fail" | "unknown";
}

export const DEFAULT_SPLIT_TOLERANCE_PP = 3;

type Routed = Pick<RequestRecord, "startMs" | "cluster">;

/** Splits per window; records are attributed by start time, cluster "none" is ignored. */
export function achievedSplit(records: Iterable<Routed>, steps: readonly StepWindow[], tolerancePp = DEFAULT_SPLIT_TOLERANCE_PP): StepSplit[] {
  const counts = steps.map(() => ({ blue: 0, green: 0 }));
  for (const r of records) {
    if (r.cluster === "none") continue;
    const i = stepAt(steps, r.startMs);
    if (i >= 0) counts[i]![r.cluster]++;
  }
  return steps.map((s, i) => splitOf(s.index, s.greenWeight, counts[i]!, tolerancePp));
}

/**
 * Splits by the green weight each record carries (RequestLine.greenWeight, set by the load
 * balancer): consecutive runs, in seq order, of records routed under the same weight.
 */
export function splitByRecordedWeight(
  records: Iterable<Pick<RequestRecord, "seq" | "cluster"> & { readonly greenWeight?: number }>,
  tolerancePp = DEFAULT_SPLIT_TOLERANCE_PP,
): StepSplit[] {
  const sorted = [...records].filter((r) => r.greenWeight !== undefined && r.cluster !== "none").sort((a, b) => a.seq - b.seq);
  const out: StepSplit[] = [];
  let weight: number | undefined;
  let counts = { blue: 0, green: 0 };
  for (const r of sorted) {
    if (weight !== r.greenWeight) {
      if (weight !== undefined) out.push(splitOf(out.length, weight, counts, tolerancePp));
      weight = r.greenWeight;
      counts = { blue: 0, green: 0 };
    }
    counts[r.cluster as "blue" | "green"]++;
  }
  if (weight !== undefined) out.push(splitOf(out.length, weight, counts, tolerancePp));
  return out;
}

/** Step windows from the load balancer's weight changes; the last one ends at `endMs`. */
export function windowsFromWeightChanges(changes: readonly { readonly atMs: number; readonly green: number }[], endMs: number): StepWindow[] {
  return changes.map((c, i) => ({ index: i, greenWeight: c.green, fromMs: c.atMs, toMs: changes[i + 1]?.atMs ?? endMs }));
}

function splitOf(index: number, planned: number, c: { blue: number; green: number }, tolerancePp: number): StepSplit {
  const requests = c.blue + c.green;
  if (requests === 0) return { index, plannedGreen: planned, requests, blue: 0, green: 0, achievedGreen: null, deviationPp: null, verdict: "unknown" };
  const achievedGreen = (100 * c.green) / requests;
  const deviationPp = Math.abs(achievedGreen - planned);
  return { index, plannedGreen: planned, requests, blue: c.blue, green: c.green, achievedGreen, deviationPp, verdict: deviationPp <= tolerancePp ? "pass" : "fail" };
}

/** Index into `steps` of the window holding t, or -1 (binary search; windows sorted, disjoint). */
function stepAt(steps: readonly StepWindow[], t: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = steps[mid]!;
    if (t < s.fromMs) hi = mid - 1;
    else if (t >= s.toMs) lo = mid + 1;
    else return mid;
  }
  return -1;
}
