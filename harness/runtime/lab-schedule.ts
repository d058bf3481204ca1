// Which lab component a free build lane takes next (lab.ts runs two lanes).

export interface ScheduleState {
  readonly dependsOn: (id: string) => readonly string[];
  /** Resolved: built, pulled or found present. */
  readonly done: (id: string) => boolean;
  /** Taken by a lane, done or not (in any order). */
  readonly started: readonly string[];
}

/**
 * The index in `waiting` (in the pins' order) of the first component a lane can work on now: every
 * dependency done, or not claimed by another lane (this lane builds it on the way). A dependency is
 * claimed when a lane took it, or took a component that needs it and is not done (it looks for its
 * image first and builds the dependency only when it must). A component that would only wait for
 * another lane (everything on the base root filesystem while it is being built) is passed over for
 * a later one (a Go tool); when every one would wait, the first.
 */
export function nextWorkable(waiting: readonly string[], s: ScheduleState): number {
  const needs = (id: string, dep: string): boolean => s.dependsOn(id).some((d) => d === dep || needs(d, dep));
  const inFlight = s.started.filter((id) => !s.done(id));
  const claimed = (d: string): boolean => s.started.includes(d) || inFlight.some((id) => needs(id, d));
  const workable = (id: string): boolean => s.dependsOn(id).every((d) => s.done(d) || (!claimed(d) && workable(d)));
  return Math.max(0, waiting.findIndex(workable));
}
