// The run in progress and the interrupt request, so a signal handler can stop a run between steps
// (its report is still written and its containers removed), or tear it down at once if asked twice.
import type { Report } from "../report/index.ts";

interface Interruptible { tearDown(interrupted?: string): Promise<Report> }

let active: Interruptible | undefined;

/** Where a run reports its progress; the CLI gives a terminal printer, tests get nothing. */
export interface ProgressSink {
  phase(name: string): void;
  step(greenWeight: number): void;
  tick(stats: { requests: number; failures: number }): void;
  close(final?: string): void;
}
const SILENT: ProgressSink = { phase: () => undefined, step: () => undefined, tick: () => undefined, close: () => undefined };
let progressSink: ProgressSink = SILENT;

export function setProgress(sink: ProgressSink | undefined): void { progressSink = sink ?? SILENT; }
export function progress(): ProgressSink { return progressSink; }
let controller = new AbortController();

export function setActiveRun(run: Interruptible | undefined): void { active = run; }

/** Aborted when the user interrupts the run; long steps (the shift, the Admin workload) listen to it. */
export function interruptSignal(): AbortSignal { return controller.signal; }

/** The reason given to the first interrupt, or undefined while the run is not interrupted. */
export function interruptReason(): string | undefined {
  return controller.signal.aborted ? String(controller.signal.reason) : undefined;
}

export function requestInterrupt(reason: string): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

/** Tears the active run down at once as interrupted; resolves with its report, or undefined when none runs. */
export async function interruptActiveRun(reason: string): Promise<Report | undefined> {
  requestInterrupt(reason);
  const run = active;
  active = undefined;
  return run?.tearDown(reason);
}

/** For tests that run several scenarios in one process. */
export function resetInterrupt(): void { controller = new AbortController(); }
