// The schedules the paced driver (vegeta.ts, `schedule`) sends by: how many requests are due by a
// moment, and which target the k-th one goes to. Pure functions of the time since the load
// started, so the driver can ask at any tick and never accumulates drift.
import type { RateShape } from "./rate-shape.ts";

export interface PacedSchedule {
  /** Requests due in the first elapsedMs (a whole number, never decreasing). */
  dueBy(elapsedMs: number): number;
  /** The target of the k-th request (0-based): an index into the attack's targets. */
  targetOf(k: number): number;
}

/** A rate shape over a cycle of target indices: the k-th request goes to cycle[k mod length]. */
export function shapedSchedule(shape: RateShape, cycle: readonly number[]): PacedSchedule {
  return {
    // The small epsilon keeps a count that is whole on paper (2.9999999) from arriving one tick late.
    dueBy: (t) => Math.floor(shape.countBy(t) + 1e-9),
    targetOf: (k) => cycle[k % cycle.length]!,
  };
}

/** Events at fixed offsets (ascending, all below periodMs), repeated every periodMs. */
export function loopSchedule(offsetsMs: readonly number[], targets: readonly number[], periodMs: number): PacedSchedule {
  const n = offsetsMs.length;
  /** How many offsets are <= t. */
  const upTo = (t: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsetsMs[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    dueBy: (t) => {
      if (t < 0 || n === 0) return 0;
      const loops = Math.floor(t / periodMs);
      return loops * n + upTo(t - loops * periodMs);
    },
    targetOf: (k) => targets[k % n]!,
  };
}

/** Most events within any one second of a looping schedule (the seam between loops included). */
export function peakPerSecond(offsetsMs: readonly number[], periodMs: number): number {
  const twice = [...offsetsMs, ...offsetsMs.map((o) => o + periodMs)];
  let peak = 0;
  for (let start = 0, end = 0; start < offsetsMs.length; start++) {
    while (end < twice.length && twice[end]! < twice[start]! + 1000) end++;
    peak = Math.max(peak, end - start);
  }
  return peak;
}
