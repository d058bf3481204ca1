// How a load profile's request rate changes over a run: constant, a ramp, steps, or spikes over a
// base. Each shape is a pure function of the time since the load started: the rate at that moment
// and the number of requests due by then (the integral of the rate), which is what the paced
// driver schedules by, so a late tick catches up instead of drifting.
import { InvalidConfigError } from "../errors.ts";

export type RateShapeKind = "constant" | "ramp" | "steps" | "spikes";

export interface RateShape {
  readonly kind: RateShapeKind;
  /** Requests per second at elapsedMs after the load started. */
  rateAt(elapsedMs: number): number;
  /** Requests due in the first elapsedMs: the integral of rateAt from 0, not rounded. */
  countBy(elapsedMs: number): number;
  /** The highest rate the shape reaches (sizes vegeta's workers). */
  readonly peak: number;
  /** One line for logs and the report: "ramp 10/s -> 50/s over 30000 ms, then 50/s". */
  describe(): string;
}

export interface Step {
  readonly rps: number;
  readonly forMs: number;
}

export interface SpikeOptions {
  /** The rate between spikes. */
  readonly base: number;
  /** The rate during a spike. */
  readonly peak: number;
  /** A spike starts every everyMs, the first one everyMs after the start. */
  readonly everyMs: number;
  /** How long each spike lasts (less than everyMs). */
  readonly forMs: number;
}

const finite = (x: number): boolean => typeof x === "number" && Number.isFinite(x);
const nonNegative = (problems: string[], what: string, x: number): void => {
  if (!finite(x) || x < 0) problems.push(`${what} must be a number >= 0, got ${String(x)}`);
};
const positive = (problems: string[], what: string, x: number): void => {
  if (!finite(x) || x <= 0) problems.push(`${what} must be a number > 0, got ${String(x)}`);
};
const refuse = (shape: string, problems: string[]): void => {
  if (problems.length > 0) throw new InvalidConfigError(problems.map((p) => `${shape}: ${p}`));
};
const clampStart = (t: number): number => (t > 0 ? t : 0);

/** The same rate for the whole run (vegeta paces it itself). */
export function constant(rps: number): RateShape {
  const problems: string[] = [];
  positive(problems, "rps", rps);
  refuse("constant", problems);
  return {
    kind: "constant", peak: rps,
    rateAt: () => rps,
    countBy: (t) => (rps * clampStart(t)) / 1000,
    describe: () => `constant ${rps}/s`,
  };
}

/** From `from` to `to` requests per second, linearly over `overMs`, then holds `to`. */
export function ramp(from: number, to: number, overMs: number): RateShape {
  const problems: string[] = [];
  nonNegative(problems, "from", from);
  positive(problems, "to (the rate held after the ramp)", to);
  positive(problems, "overMs", overMs);
  refuse("ramp", problems);
  const rateAt = (t: number): number => (t >= overMs ? to : from + ((to - from) * clampStart(t)) / overMs);
  return {
    kind: "ramp", peak: Math.max(from, to), rateAt,
    countBy: (t) => {
      const inRamp = Math.min(clampStart(t), overMs);
      const rampCount = ((from + rateAt(inRamp)) / 2) * (inRamp / 1000);
      return rampCount + (to * Math.max(0, t - overMs)) / 1000;
    },
    describe: () => `ramp ${from}/s -> ${to}/s over ${overMs} ms, then ${to}/s`,
  };
}

/** Each step's rate for its duration, in order; the last step's rate holds for the rest of the run. */
export function steps(list: readonly Step[]): RateShape {
  const problems: string[] = [];
  if (!Array.isArray(list) || list.length === 0) problems.push("at least one step { rps, forMs } is required");
  (list ?? []).forEach((s, i) => {
    nonNegative(problems, `step ${i + 1} rps`, s.rps);
    positive(problems, `step ${i + 1} forMs`, s.forMs);
  });
  const last = list?.at(-1);
  if (last && finite(last.rps) && last.rps <= 0) problems.push(`the last step's rps holds for the rest of the run and must be > 0, got ${last.rps}`);
  refuse("steps", problems);
  const starts: number[] = [];
  list.reduce((at, s) => (starts.push(at), at + s.forMs), 0);
  const indexAt = (t: number): number => {
    let i = 0;
    while (i + 1 < list.length && t >= starts[i + 1]!) i++;
    return i;
  };
  return {
    kind: "steps", peak: Math.max(...list.map((s) => s.rps)),
    rateAt: (t) => list[indexAt(clampStart(t))]!.rps,
    countBy: (t) => {
      const at = clampStart(t);
      let count = 0;
      list.forEach((s, i) => {
        const end = i === list.length - 1 ? Infinity : starts[i]! + s.forMs;
        const overlap = Math.min(at, end) - starts[i]!;
        if (overlap > 0) count += (s.rps * overlap) / 1000;
      });
      return count;
    },
    describe: () => `steps ${list.map((s) => `${s.rps}/s for ${s.forMs} ms`).join(", ")}, then ${last!.rps}/s`,
  };
}

/** `base` requests per second, and every `everyMs` a spike to `peak` lasting `forMs`; repeats for the whole run. */
export function spikes(options: SpikeOptions): RateShape {
  const { base, peak, everyMs, forMs } = options ?? ({} as SpikeOptions);
  const problems: string[] = [];
  nonNegative(problems, "base", base);
  positive(problems, "peak", peak);
  positive(problems, "everyMs", everyMs);
  positive(problems, "forMs", forMs);
  if (finite(forMs) && finite(everyMs) && forMs >= everyMs) problems.push(`forMs (${forMs}) must be shorter than everyMs (${everyMs})`);
  refuse("spikes", problems);
  /** Time spent inside spikes during [0, t): spike k (k >= 1) covers [k*everyMs, k*everyMs + forMs). */
  const spikeTime = (t: number): number => {
    const k = Math.floor(t / everyMs);
    return k < 1 ? 0 : (k - 1) * forMs + Math.min(forMs, t - k * everyMs);
  };
  return {
    kind: "spikes", peak: Math.max(base, peak),
    rateAt: (t) => {
      const at = clampStart(t);
      return at >= everyMs && at % everyMs < forMs ? peak : base;
    },
    countBy: (t) => {
      const at = clampStart(t);
      return (base * at + (peak - base) * spikeTime(at)) / 1000;
    },
    describe: () => `${base}/s with spikes to ${peak}/s for ${forMs} ms every ${everyMs} ms`,
  };
}
