// Load profiles (`--load load/<name>.ts`): which of the run's probes the load sends, in what
// proportions, and at what rate over time; or an access log replayed at a speed-up. A profile never
// invents requests: every request is one of the run's probes (its x-kuh-probe header and probe=
// query parameter name it), so each answer is judged against that probe's baseline.
// Profile modules import everything they need from this file; load/README.md documents it.
import { InvalidConfigError } from "../errors.ts";
import { probeBody, type Probe } from "../scenario/seed.ts";
import { withProbeParam, type AccessLogReplay } from "./access-log.ts";
import { weightedCycle } from "./mix-cycle.ts";
import { entryProblems, weighProbes, type Mix } from "./mix-select.ts";
import { loopSchedule, peakPerSecond, shapedSchedule, type PacedSchedule } from "./paced-schedule.ts";
import { constant, type RateShape } from "./rate-shape.ts";
import type { AttackOptions, LoadTarget } from "./vegeta.ts";

export { constant, ramp, spikes, steps, type RateShape, type SpikeOptions, type Step } from "./rate-shape.ts";
export { accessLogReplay, type AccessLogReplay, type AccessLogReplayOptions } from "./access-log.ts";
export type { Mix, MixEntry } from "./mix-select.ts";
export type { Probe, ProbePurpose } from "../scenario/seed.ts";

/** What a profile's functions are given. */
export interface ProfileContext {
  /** The run's probes, their answers as the baseline learned them. */
  readonly probes: readonly Probe[];
  /** The run's --rate (requests per second). */
  readonly rate: number;
}

export interface LoadProfile {
  readonly name: string;
  readonly description: string;
  /** Weighted entries that pick probes; a function of the run when it depends on its probes or rate. */
  readonly mix?: Mix | ((ctx: ProfileContext) => Mix);
  /** Default: constant at the run's --rate. */
  readonly rate?: RateShape | ((ctx: ProfileContext) => RateShape);
  /** Instead of a mix and a rate: an access log replayed at its own pace (accessLogReplay), looping. */
  readonly replay?: AccessLogReplay;
}

/** Constant rate: vegeta paces it, round-robin over `targets` (the weighted cycle, repeats included). */
export interface ConstantLoad {
  readonly kind: "constant";
  readonly ratePerSecond: number;
  readonly targets: readonly LoadTarget[];
  readonly extraProbes: readonly Probe[];
  readonly description: string;
}

/** Shaped rate or replay: the harness feeds vegeta per `schedule`, whose indices point into `targets`. */
export interface PacedLoad {
  readonly kind: "paced";
  readonly targets: readonly LoadTarget[];
  readonly schedule: PacedSchedule;
  readonly peakRatePerSecond: number;
  /** Probes the profile brings (a replay's request shapes): the run must baseline them. */
  readonly extraProbes: readonly Probe[];
  readonly description: string;
}

export type CompiledLoad = ConstantLoad | PacedLoad;

/** Problems of a profile that need no run to find (name, mix or replay, weights). */
function profileProblems(p: LoadProfile): string[] {
  if (typeof p !== "object" || p === null) return ["a profile must be an object"];
  const problems: string[] = [];
  if (typeof p.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(p.name)) problems.push(`profile name must be letters, digits, "-", "_" or ".", got ${JSON.stringify(p.name)}`);
  if (typeof p.description !== "string" || p.description.trim() === "") problems.push(`profile "${p.name}" needs a description`);
  if ((p.mix === undefined) === (p.replay === undefined)) problems.push(`profile "${p.name}" needs exactly one of mix and replay`);
  if (p.replay !== undefined && p.rate !== undefined) problems.push(`profile "${p.name}": a replay keeps the log's own pace; drop rate`);
  if (p.replay !== undefined && p.replay?.kind !== "access-log") problems.push(`profile "${p.name}": replay must come from accessLogReplay({ file, speed })`);
  if (Array.isArray(p.mix)) problems.push(...(p.mix as Mix).flatMap(entryProblems).map((x) => `profile "${p.name}": ${x}`));
  return problems;
}

/** A load profile, checked as far as it can be without a run. The default export of a load/ module. */
export function defineProfile(profile: LoadProfile): LoadProfile {
  const problems = profileProblems(profile);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return profile;
}

/** The probes a profile adds to the run's (a replay's request shapes); they need a baseline before the load starts. */
export function profileProbes(profile: LoadProfile): readonly Probe[] {
  return profile.replay?.probes ?? [];
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

const targetOf = (p: Probe, baseUrl: string, path = p.path): LoadTarget => {
  const body = probeBody(p);
  return { name: p.name, method: p.method, url: `${baseUrl}${path}`, headers: p.headers, ...(body !== undefined ? { body } : {}) };
};

/** The profile as vegeta load against baseUrl (the load balancer), for the run's probes and rate. */
export function compileProfile(profile: LoadProfile, ctx: ProfileContext, baseUrl: string): CompiledLoad {
  const problems = profileProblems(profile);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  try {
    return profile.replay ? compileReplay(profile.replay, ctx, baseUrl) : compileMix(profile, ctx, baseUrl);
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      const [first, ...rest] = err.problems;
      throw new InvalidConfigError([`load profile "${profile.name}": ${first}`, ...rest], { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
    }
    throw err;
  }
}

function compileMix(profile: LoadProfile, ctx: ProfileContext, baseUrl: string): CompiledLoad {
  const mix = typeof profile.mix === "function" ? profile.mix(ctx) : profile.mix!;
  const shape = profile.rate === undefined ? constant(ctx.rate) : typeof profile.rate === "function" ? profile.rate(ctx) : profile.rate;
  const { probes, weights } = weighProbes(mix, ctx.probes);
  const cycle = weightedCycle(weights);
  const describe = (how: string): string =>
    `${profile.name}: ${probes.length} probes in a cycle of ${cycle.order.length}${cycle.exact ? "" : " (weights approximated)"}, ${how}`;
  if (shape.kind === "constant") {
    return {
      kind: "constant", ratePerSecond: shape.peak, extraProbes: [],
      targets: cycle.order.map((i) => targetOf(probes[i]!, baseUrl)),
      description: describe(shape.describe()),
    };
  }
  return {
    kind: "paced", peakRatePerSecond: shape.peak, extraProbes: [],
    targets: probes.map((p) => targetOf(p, baseUrl)),
    schedule: shapedSchedule(shape, cycle.order),
    description: describe(shape.describe()),
  };
}

/**
 * A replay against the run's probes: each request shape's probe as the baseline left it. Shapes the
 * baseline left out (the old cluster could not serve them) are not sent; the description says so.
 */
function compileReplay(replay: AccessLogReplay, ctx: ProfileContext, baseUrl: string): CompiledLoad {
  const byName = new Map(ctx.probes.map((p) => [p.name, p]));
  const kept = replay.events.filter((e) => byName.has(e.probe));
  if (kept.length === 0) {
    throw new InvalidConfigError([`none of the replay's ${replay.probes.length} request shapes is among the run's probes: add profileProbes(profile) to the run's probes before the baseline`]);
  }
  const targets: LoadTarget[] = [];
  const indexOf = new Map<string, number>();
  const eventTargets = kept.map((e) => {
    const path = withProbeParam(e.target, e.probe);
    const key = `${e.method} ${path}`;
    if (!indexOf.has(key)) indexOf.set(key, targets.push(targetOf(byName.get(e.probe)!, baseUrl, path)) - 1);
    return indexOf.get(key)!;
  });
  const offsets = kept.map((e) => e.offsetMs);
  const left = replay.probes.filter((p) => !byName.has(p.name)).length;
  return {
    kind: "paced", targets, extraProbes: replay.probes,
    schedule: loopSchedule(offsets, eventTargets, replay.periodMs),
    peakRatePerSecond: Math.max(1, peakPerSecond(offsets, replay.periodMs)),
    description: replay.describe() + (left ? `; left out, the baseline could not serve them: ${plural(left, "request shape")} (${plural(replay.events.length - kept.length, "request")})` : ""),
  };
}

/** The part of vegeta's AttackOptions a compiled load decides. */
export function attackOptionsOf(load: CompiledLoad): Pick<AttackOptions, "targets" | "ratePerSecond" | "schedule"> {
  return load.kind === "constant"
    ? { targets: load.targets, ratePerSecond: load.ratePerSecond }
    : { targets: load.targets, ratePerSecond: load.peakRatePerSecond, schedule: load.schedule };
}
