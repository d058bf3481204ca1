// The steps of a blue/green traffic shift: percent of requests sent to green at each step and how
// long each step is held. Validated when built, like Flagger's CanaryAnalysis (stepWeights,
// interval, threshold); every problem is reported at once.
import { InvalidConfigError } from "../errors.ts";

export interface WeightPlanOptions {
  /** How long each step is held before the next tick: one value for all steps, or one per step. */
  readonly holdMs?: number | readonly number[];
  /** Failed check verdicts that make the shift roll back (Flagger's `threshold`); default 1. */
  readonly threshold?: number;
  /** Ticks without data ("unknown" verdict) tolerated before rolling back; default 3. */
  readonly maxHalts?: number;
}

export const DEFAULT_STEPS: readonly number[] = Object.freeze([0, 5, 10, 25, 50, 75, 100]);
export const DEFAULT_HOLD_MS = 10_000;

export class WeightPlan {
  private constructor(
    /** Percent of requests to green, per step; rising, ends at 100. */
    readonly steps: readonly number[],
    private readonly holds: readonly number[],
    readonly threshold: number,
    readonly maxHalts: number,
  ) {}

  /** e.g. `WeightPlan.of([0, 10, 50, 100], { holdMs: 5_000 })`. Throws InvalidConfigError. */
  static of(steps: readonly number[], options: WeightPlanOptions = {}): WeightPlan {
    const problems = validate(steps, options);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    const hold = options.holdMs ?? DEFAULT_HOLD_MS;
    const holds = typeof hold === "number" ? steps.map(() => hold) : [...hold];
    return new WeightPlan(Object.freeze([...steps]), Object.freeze(holds), options.threshold ?? 1, options.maxHalts ?? 3);
  }

  /** 0, 5, 10, 25, 50, 75, 100 percent to green. */
  static default(options: WeightPlanOptions = {}): WeightPlan {
    return WeightPlan.of(DEFAULT_STEPS, options);
  }

  /** Hold of step `index` in milliseconds. */
  holdMsAt(index: number): number {
    const hold = this.holds[index];
    if (hold === undefined) throw new RangeError(`step ${index} is not in the plan (${this.steps.length} steps)`);
    return hold;
  }

  get lastIndex(): number {
    return this.steps.length - 1;
  }

  /** Sum of all holds: the shortest time the whole shift can take. */
  get totalHoldMs(): number {
    return this.holds.reduce((a, b) => a + b, 0);
  }

  describe(): string {
    const uniform = this.holds.every((h) => h === this.holds[0]);
    const holds = uniform ? `hold ${this.holds[0]}ms per step` : `holds ${this.holds.join(", ")}ms`;
    return `green weight ${this.steps.join(" → ")}%, ${holds}, roll back after ${this.threshold} failed check(s)`;
  }

  toJSON(): { steps: number[]; holdMs: number[]; threshold: number; maxHalts: number } {
    return { steps: [...this.steps], holdMs: [...this.holds], threshold: this.threshold, maxHalts: this.maxHalts };
  }
}

function validate(steps: readonly number[], options: WeightPlanOptions): string[] {
  const problems: string[] = [];
  if (steps.length === 0) problems.push("a weight plan needs at least one step");
  steps.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > 100) problems.push(`step ${i} must be an integer percent within 0..100, got ${w}`);
    const prev = steps[i - 1];
    if (prev !== undefined && !(w > prev)) problems.push(`steps must rise, but step ${i} (${w}) is not above step ${i - 1} (${prev})`);
  });
  const last = steps.at(-1);
  if (last !== undefined && last !== 100) problems.push(`the last step must be 100 (all traffic on green), got ${last}`);
  const hold = options.holdMs;
  const holds = hold === undefined ? [] : typeof hold === "number" ? [hold] : hold;
  if (typeof hold === "object" && hold.length !== steps.length) problems.push(`holdMs has ${hold.length} entries for ${steps.length} steps`);
  for (const h of holds) if (!Number.isInteger(h) || h < 0) problems.push(`holdMs must be a non-negative integer, got ${h}`);
  for (const [name, v] of [["threshold", options.threshold], ["maxHalts", options.maxHalts]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) problems.push(`${name} must be a positive integer, got ${v}`);
  }
  return problems;
}
