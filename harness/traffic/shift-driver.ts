// The thin driver around advance(): carries each action out on the load balancer, holds the step,
// asks for the verdict of the traffic since the last tick, and stops at Succeeded or Failed. A
// breach of the load balancer's error budget (already rolled back on the request path) ends the
// hold early and fails the shift.
import { setTimeout as delay } from "node:timers/promises";
import { advance, initialShiftStatus, type ShiftAction, type ShiftStatus, type Verdict } from "./advance.ts";
import { TrafficAbortedError } from "./errors.ts";
import type { Breach } from "./started-load-balancer.ts";
import type { WeightPlan } from "./weight-plan.ts";
import type { Weights } from "./weights.ts";

/** What the driver needs of a load balancer (StartedLoadBalancer has it). */
export interface ShiftTarget {
  setWeights(weights: Weights): void | Promise<void>;
  readonly abortSignal: AbortSignal;
  readonly breach: Breach | undefined;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface ShiftDriverOptions {
  readonly lb: ShiftTarget;
  readonly plan: WeightPlan;
  /** Judges the traffic of the hold that just ended (errors, achieved split, ...). */
  readonly verdict: (status: ShiftStatus) => Verdict | Promise<Verdict>;
  /** After each decision, before it is carried out: record it (history `step` invoke, timeline event). */
  readonly onTick?: (status: ShiftStatus, action: ShiftAction) => void;
  /** After the action was carried out on the load balancer (history `step` ok). */
  readonly onApplied?: (status: ShiftStatus, action: ShiftAction) => void;
  /** Resolves after ms or as soon as the signal aborts; default a real timer. */
  readonly sleep?: Sleep;
  readonly signal?: AbortSignal;
}

export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined);

/** Runs the shift to its end; resolves with the final status (phase Succeeded or Failed). */
export async function driveShift(o: ShiftDriverOptions): Promise<ShiftStatus> {
  const sleep = o.sleep ?? realSleep;
  const signals = o.signal ? [o.lb.abortSignal, o.signal] : [o.lb.abortSignal];
  let status = initialShiftStatus;
  let verdict: Verdict = "pass"; // the first tick starts the shift
  for (;;) {
    if (o.signal?.aborted) throw new TrafficAbortedError("traffic shift", { cause: o.signal.reason });
    let action: ShiftAction;
    [status, action] = o.lb.breach ? rolledBack(status, o.lb.breach) : advance(status, verdict, o.plan);
    o.onTick?.(status, action);
    switch (action.kind) {
      case "setWeights":
      case "abort":
        await o.lb.setWeights({ blue: action.blue, green: action.green });
        break;
      case "hold":
      case "promote":
      case "none":
        break;
    }
    o.onApplied?.(status, action);
    if (status.phase === "Succeeded" || status.phase === "Failed") return status;
    const holdMs = action.kind === "setWeights" || action.kind === "hold" ? action.holdMs : 0;
    await sleep(holdMs, AbortSignal.any(signals));
    if (o.lb.breach) continue;
    verdict = await o.verdict(status);
  }
}

function rolledBack(s: ShiftStatus, breach: Breach): [ShiftStatus, ShiftAction] {
  return [
    { ...s, phase: "Failed", greenWeight: 0, failedChecks: s.failedChecks + 1, iterations: s.iterations + 1 },
    { kind: "abort", blue: 100, green: 0, message: `Rolling back to blue 100%: ${breach.reason}` },
  ];
}
