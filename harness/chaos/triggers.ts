// When is a scheduled fault due? Read from the run's own history as it grows (phase and step ops),
// so the chaos machinery needs no hook in the procedure's steps. Pure apart from the op list.
import { F, type Op, type PhaseValue, type StepValue, type UpgradePhase } from "../checks/records.ts";
import type { ResolvedTrigger } from "./schedule.ts";

interface Span { startMs: number; endMs?: number }

export type Due = { readonly state: "wait" } | { readonly state: "fire" } | { readonly state: "missed"; readonly reason: string };

/** Phases and shift steps seen so far, fed op by op. */
export class RunPosition {
  private readonly phases = new Map<UpgradePhase, Span>();
  private readonly steps = new Map<number, Span>();
  private openStep: Span | undefined;
  private seen = 0;

  /** Reads the ops recorded since the last call. */
  update(ops: readonly Op[]): void {
    for (; this.seen < ops.length; this.seen++) this.accept(ops[this.seen]!);
  }

  private accept(op: Op): void {
    if (op.f === F.phase) {
      const phase = (op.value as PhaseValue).phase;
      if (op.type === "invoke") this.phases.set(phase, { startMs: op.timeMs });
      else {
        const span = this.phases.get(phase);
        if (span) span.endMs = op.timeMs;
        if (phase === "Shift" && this.openStep) this.openStep.endMs = op.timeMs;
      }
    } else if (op.f === F.step && op.type === "invoke") {
      if (this.openStep) this.openStep.endMs = op.timeMs;
      this.openStep = { startMs: op.timeMs };
      this.steps.set((op.value as StepValue).greenWeight, this.openStep);
    }
  }

  /** Whether a trigger fires now, waits, or can no longer fire (its phase or step is over). */
  due(trigger: ResolvedTrigger, nowMs: number): Due {
    if ("atMs" in trigger) return nowMs >= trigger.atMs ? { state: "fire" } : { state: "wait" };
    const [span, what] = "phase" in trigger ? [this.phases.get(trigger.phase), `phase ${trigger.phase}`] : [this.steps.get(trigger.step), `step ${trigger.step}%`];
    if (!span) return { state: "wait" };
    const at = span.startMs + trigger.afterMs;
    if (span.endMs !== undefined && span.endMs < at) return { state: "missed", reason: `${what} ended ${span.endMs - span.startMs}ms after it started, before the fault's offset of ${trigger.afterMs}ms` };
    return nowMs >= at ? { state: "fire" } : { state: "wait" };
  }
}
