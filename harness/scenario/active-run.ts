// The runs in progress and the interrupt request, so a signal handler can stop them between steps
// (their reports are still written and their containers removed), or tear them down at once if asked
// twice. Every run registers itself and leaves when torn down; one run never replaces another, so
// two scenarios built in one process are both torn down on an interrupt.
import type { Report } from "../report/index.ts";

interface Interruptible { tearDown(interrupted?: string): Promise<Report> }

/** The runs an interrupt must tear down, in registration order (a multi-hop path before the hop scenarios it builds). */
export class RunRegistry {
  private readonly runs = new Set<Interruptible>();

  /** Registers a run; call the returned function once it is torn down. One run never replaces another. */
  register(run: Interruptible): () => void {
    this.runs.add(run);
    return () => { this.runs.delete(run); };
  }

  /**
   * Every registered run torn down, one after another in registration order (a run's teardown is
   * idempotent: a path's hop, torn down by the path, is not torn down twice); resolves with the
   * first run's report, or undefined when none was registered.
   */
  async tearDownAll(reason: string): Promise<Report | undefined> {
    const runs = [...this.runs];
    this.runs.clear();
    const reports: Report[] = [];
    for (const run of runs) reports.push(await run.tearDown(reason));
    return reports[0];
  }
}

/** This process's runs: the CLI's signal handler tears them down. */
const active = new RunRegistry();

/** Where a run reports its progress; the CLI gives a terminal printer, tests get nothing. */
export interface ProgressSink {
  phase(name: string): void;
  step(greenWeight: number): void;
  tick(stats: { requests: number; failures: number }): void;
  /** A one-off fact worth a line of its own ("configuration x.yaml: 74 probes ..."). */
  note(text: string): void;
  close(final?: string): void;
}
const SILENT: ProgressSink = { phase: () => undefined, step: () => undefined, tick: () => undefined, note: () => undefined, close: () => undefined };
let progressSink: ProgressSink = SILENT;

export function setProgress(sink: ProgressSink | undefined): void { progressSink = sink ?? SILENT; }
export function progress(): ProgressSink { return progressSink; }
const controller = new AbortController();

/** Registers a run of this process that an interrupt must tear down; call the returned function once it is torn down. */
export function registerRun(run: Interruptible): () => void { return active.register(run); }

/** Aborted when the user interrupts the run; long steps (the shift, the Admin workload) listen to it. */
export function interruptSignal(): AbortSignal { return controller.signal; }

/** The reason given to the first interrupt, or undefined while the run is not interrupted. */
export function interruptReason(): string | undefined {
  return controller.signal.aborted ? String(controller.signal.reason) : undefined;
}

export function requestInterrupt(reason: string): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

/** Tears the registered runs down at once as interrupted; resolves with the first run's report, or undefined when none runs. */
export async function interruptActiveRun(reason: string): Promise<Report | undefined> {
  requestInterrupt(reason);
  return active.tearDownAll(reason);
}
