// Phases and shift steps over time, derived from the history's `phase` and `step` ops, so every
// request and op can be attributed to "Shift step 25%" or "Drain" by its time.
import { pairOps } from "./history.ts";
import { F, type Op, type PhaseValue, type StepValue, type UpgradePhase } from "./records.ts";

export interface PhaseSpan {
  readonly phase: UpgradePhase;
  readonly startMs: number;
  /** When the phase's op completed; Infinity while open (interrupted run). */
  readonly endMs: number;
  readonly outcome: "ok" | "fail" | "info" | "open";
  /** History index of the phase's invocation (orders ops recorded in the same millisecond). */
  readonly startIndex: number;
  readonly endIndex: number;
}

export interface StepSpan {
  readonly index: number;
  readonly greenWeight: number;
  /** When the new weights were requested: the step owns every request that starts from here. */
  readonly startMs: number;
  /** When the LB confirmed the weights (step op ok); null when it never did. */
  readonly appliedMs: number | null;
  /** The next step's request, or the Shift phase's end; Infinity when neither happened. */
  readonly endMs: number;
  readonly startIndex: number;
  /** History index of the next step's invocation or of the Shift phase's end; Infinity if none. */
  readonly endIndex: number;
}

export interface Position { readonly phase?: UpgradePhase; readonly step?: StepSpan }

export class Timeline {
  private constructor(readonly phases: readonly PhaseSpan[], readonly steps: readonly StepSpan[]) {}

  static of(history: readonly Op[]): Timeline {
    const phases = pairOps<PhaseValue>(history, F.phase).map((p): PhaseSpan => ({
      phase: p.invoke.value.phase,
      startMs: p.invoke.timeMs,
      endMs: p.completion?.timeMs ?? Infinity,
      outcome: p.completion ? (p.completion.type as PhaseSpan["outcome"]) : "open",
      startIndex: p.invoke.index,
      endIndex: p.completion?.index ?? Infinity,
    }));
    const stepPairs = pairOps<StepValue>(history, F.step);
    const steps = stepPairs.map((p, i): StepSpan => {
      const next = stepPairs[i + 1]?.invoke.timeMs;
      const nextIndex = stepPairs[i + 1]?.invoke.index;
      const shift = phases.find((s) => s.phase === "Shift" && s.startIndex < p.invoke.index && p.invoke.index < s.endIndex);
      return {
        index: p.invoke.value.index,
        greenWeight: p.invoke.value.greenWeight,
        startMs: p.invoke.timeMs,
        appliedMs: p.completion?.type === "ok" ? p.completion.timeMs : null,
        endMs: Math.min(next ?? Infinity, shift?.endMs ?? Infinity),
        startIndex: p.invoke.index,
        endIndex: Math.min(nextIndex ?? Infinity, shift?.endIndex ?? Infinity),
      };
    });
    return new Timeline(phases, steps);
  }

  /** The phase that started last at or before t, and the step holding t (if any). */
  at(timeMs: number): Position {
    let phase: PhaseSpan | undefined;
    for (const p of this.phases) if (p.startMs <= timeMs) phase = p;
    const step = this.steps.find((s) => s.startMs <= timeMs && timeMs < s.endMs);
    return { ...(phase ? { phase: phase.phase } : {}), ...(step ? { step } : {}) };
  }

  /** Where an op happened, by history order (exact even when ops share a millisecond). */
  atOp(op: Op): Position {
    let phase: PhaseSpan | undefined;
    for (const p of this.phases) if (p.startIndex < op.index) phase = p;
    const step = this.steps.find((s) => s.startIndex < op.index && op.index < s.endIndex);
    return { ...(phase ? { phase: phase.phase } : {}), ...(step ? { step } : {}) };
  }

  labelOp(op: Op): string {
    return positionLabel(this.atOp(op));
  }

  /** "Shift step 25%", "Drain", or "before the first phase". */
  label(timeMs: number): string {
    return positionLabel(this.at(timeMs));
  }

  /** The first span of a phase. */
  phase(name: UpgradePhase): PhaseSpan | undefined {
    return this.phases.find((p) => p.phase === name);
  }
}

export function positionLabel(pos: Position): string {
  if (pos.step) return `${pos.phase ?? "Shift"} step ${pos.step.greenWeight}%`;
  return pos.phase ?? "before the first phase";
}

/** Time of the first completion of `f` with type ok (e.g. when migrations finish completed). */
export function firstOkTime(history: readonly Op[], f: string): number | undefined {
  return history.find((op) => op.f === f && op.type === "ok")?.timeMs;
}
