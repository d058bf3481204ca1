// The traffic shift as a pure state machine, after Flagger's advanceCanary: each tick reads the
// status and the verdict of the checks over the last hold, and makes exactly one decision. A thin
// driver (shift-driver.ts) carries the action out on the load balancer.
import type { WeightPlan } from "./weight-plan.ts";

/** Where the shift is. */
export type ShiftPhase =
  /** Not started: all traffic on blue, green weight not yet set. */
  | "Initializing"
  /** Holding a step of the plan; the next passing tick moves to the next step. */
  | "Progressing"
  /** Every step held with passing checks at 100% green: the shift is complete. */
  | "Succeeded"
  /** Rolled back: all traffic on blue. Terminal. */
  | "Failed";

export type Verdict = "pass" | "fail" | "unknown";

export interface ShiftStatus {
  readonly phase: ShiftPhase;
  /** Index of the step being held; -1 before the first. */
  readonly stepIndex: number;
  /** Percent of requests going to green. */
  readonly greenWeight: number;
  /** Ticks whose verdict was "fail" (Flagger's failedChecks). */
  readonly failedChecks: number;
  /** Consecutive ticks without data ("unknown"). */
  readonly halts: number;
  /** Ticks taken so far. */
  readonly iterations: number;
}

export type ShiftAction =
  | { readonly kind: "setWeights"; readonly blue: number; readonly green: number; readonly stepIndex: number; readonly holdMs: number; readonly message: string }
  | { readonly kind: "hold"; readonly green: number; readonly holdMs: number; readonly message: string }
  | { readonly kind: "abort"; readonly blue: 100; readonly green: 0; readonly message: string }
  | { readonly kind: "promote"; readonly message: string }
  | { readonly kind: "none" };

export const initialShiftStatus: ShiftStatus = Object.freeze({
  phase: "Initializing", stepIndex: -1, greenWeight: 0, failedChecks: 0, halts: 0, iterations: 0,
});

/** One tick, one decision. `verdict` judges the traffic since the previous tick. */
export function advance(status: ShiftStatus, verdict: Verdict, plan: WeightPlan): [ShiftStatus, ShiftAction] {
  if (status.phase === "Succeeded" || status.phase === "Failed") return [status, { kind: "none" }];
  const s: ShiftStatus = { ...status, iterations: status.iterations + 1 };
  if (verdict === "fail") return onFailedCheck(s, plan);
  if (verdict === "unknown") return onNoData(s, plan);
  const passed: ShiftStatus = { ...s, halts: 0 };
  if (s.stepIndex >= plan.lastIndex) {
    return [{ ...passed, phase: "Succeeded" }, { kind: "promote", message: `Promotion completed! green holds ${s.greenWeight}% with passing checks` }];
  }
  const stepIndex = s.stepIndex + 1;
  const green = plan.steps[stepIndex] ?? 100;
  const holdMs = plan.holdMsAt(stepIndex);
  const message = s.phase === "Initializing" ? `Starting traffic shift: ${plan.describe()}` : `Advance green weight ${s.greenWeight}% → ${green}%`;
  return [
    { ...passed, phase: "Progressing", stepIndex, greenWeight: green },
    { kind: "setWeights", blue: 100 - green, green, stepIndex, holdMs, message },
  ];
}

function onFailedCheck(s: ShiftStatus, plan: WeightPlan): [ShiftStatus, ShiftAction] {
  const failedChecks = s.failedChecks + 1;
  if (failedChecks >= plan.threshold) {
    return rollBack({ ...s, failedChecks }, `${failedChecks} failed check(s) reached the threshold of ${plan.threshold}`);
  }
  return hold({ ...s, failedChecks }, plan, `Halt at green weight ${s.greenWeight}%: failed checks ${failedChecks} of threshold ${plan.threshold}`);
}

function onNoData(s: ShiftStatus, plan: WeightPlan): [ShiftStatus, ShiftAction] {
  const halts = s.halts + 1;
  if (halts > plan.maxHalts) return rollBack({ ...s, halts }, `no data for ${halts} consecutive ticks (at most ${plan.maxHalts} tolerated)`);
  return hold({ ...s, halts }, plan, `Halt at green weight ${s.greenWeight}%: no values found, probably no traffic (${halts} of ${plan.maxHalts})`);
}

function hold(s: ShiftStatus, plan: WeightPlan, message: string): [ShiftStatus, ShiftAction] {
  return [s, { kind: "hold", green: s.greenWeight, holdMs: plan.holdMsAt(Math.max(0, s.stepIndex)), message }];
}

function rollBack(s: ShiftStatus, reason: string): [ShiftStatus, ShiftAction] {
  return [
    { ...s, phase: "Failed", greenWeight: 0 },
    { kind: "abort", blue: 100, green: 0, message: `Rolling back to blue 100%: ${reason}` },
  ];
}
