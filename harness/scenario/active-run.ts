// The run in progress, so a signal handler can still write its report and remove its containers.
import type { Report } from "../report/index.ts";

interface Interruptible { tearDown(interrupted?: string): Promise<Report> }

let active: Interruptible | undefined;

export function setActiveRun(run: Interruptible | undefined): void { active = run; }

/** Tears the active run down as interrupted; resolves with its report, or undefined when none runs. */
export async function interruptActiveRun(reason: string): Promise<Report | undefined> {
  const run = active;
  active = undefined;
  return run?.tearDown(reason);
}
