// Time for the traffic area. Records carry milliseconds since the run started, read from an
// injected Clock so tests control time and every record of a run shares one origin.
import { performance } from "node:perf_hooks";

export interface Clock {
  /** Milliseconds since the run's origin (fractional). */
  now(): number;
}

/** Monotonic wall clock whose origin is when it was created (or `originMs` of performance.now()). */
export class SystemClock implements Clock {
  constructor(private readonly originMs: number = performance.now()) {}
  now(): number {
    return performance.now() - this.originMs;
  }
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  now(): number {
    return this.timeMs;
  }
  advance(ms: number): void {
    this.timeMs += ms;
  }
  set(ms: number): void {
    this.timeMs = ms;
  }
}
