// Options a scenario runs with. The CLI sets them (from its flags) before mocha loads the scenario
// file; a scenario run directly by mocha gets its own defaults. Normalized once, then read-only.
import { pgAuthProblem, type PgAuthChoice } from "../datastore/postgres-auth.ts";
import { InvalidConfigError } from "../errors.ts";
import type { AcceptList } from "../report/accept-file.ts";
import type { LoadedProfile } from "../load/profile-file.ts";

export interface RunOptions {
  readonly oldImage: string;
  readonly newImage: string;
  readonly oldNodes: number;
  readonly newNodes: number;
  /** Where report.json and the run's files go; default reports/runs/<scenario>-<time>. */
  readonly reportDir?: string;
  /**
   * Draws what a scenario chooses at random (a chaos scenario's fault targets and offsets), so the
   * same seed replays the same run; recorded in the report. Only a scenario that draws at random
   * takes `--seed` (runOptions' `drawsAtRandom`): every other run is the same whatever the seed.
   */
  readonly seed: number;
  /** Load through the load balancer, requests per second. */
  readonly rate: number;
  /** Planned green weights in percent. */
  readonly steps: readonly number[];
  readonly holdMs: number;
  /** Stand-in fault switches by cluster or node name: {"green": "...", "green-1": "..."}. */
  readonly faults: Readonly<Record<string, string>>;
  readonly dbUpdateFrequencyS: number;
  readonly dbUpdatePropagationS: number;
  /** Where a CI job summary is appended (GitHub's GITHUB_STEP_SUMMARY); the CLI passes it. */
  readonly stepSummaryPath?: string;
  /** Acknowledged findings (`--accept FILE`, validated by the CLI): a failure an entry matches is reported as accepted. */
  readonly accept?: AcceptList;
  /** Kong's datastore strategy for the run. */
  readonly datastore: "postgres" | "cassandra";
  /**
   * Postgres: the password authentication the datastore asks for (`--pg-auth`); `auto` (the default):
   * md5 when an image of the run is a Kong whose Postgres client has no SCRAM (before 2.7.0), else scram-sha-256.
   */
  readonly pgAuth?: PgAuthChoice;
  /** Cassandra in place: the longest accepted downtime window, ms; overrides the scenario's (`--downtime-budget-ms`). */
  readonly downtimeBudgetMs?: number;
  /** Cassandra new keyspace: Admin writes after the export frozen, or let through and re-applied at the cut-over ("drift"); overrides the scenario's (`--drift-mode`). */
  readonly adminWritesAfterExport?: "freeze" | "drift";
  /**
   * The Admin workload also rotates keys: a new key for a consumer, its old one deleted. On by
   * default: a revoked key that stays valid is the worst an upgrade can do to a gateway
   * (`--no-revoke-credentials` turns it off).
   */
  readonly revokeCredentials: boolean;
  /**
   * When the load balancer gives a new node traffic. `status` (default): once `GET /status` says
   * ready, as production load balancers and Kubernetes readiness probes do; the harness's baseline
   * gate runs beside and is judged by the checks, so a node that says ready before it serves fails
   * requests. `baseline`: only once the node answers every seed probe like the baseline (`--readiness`).
   */
  readonly readiness: "status" | "baseline";
  /**
   * The user's Kong declarative configuration (`--config FILE`): the old cluster is seeded with it
   * instead of the built-in configuration, and the probes are generated from its routes.
   */
  readonly config?: string;
  /** The load profile (`--load load/<profile>.ts`), loaded by the CLI; default: every probe in turn at `rate`. */
  readonly load?: LoadedProfile;
  /**
   * After finish the user's entities are also PATCHed with their own unchanged body
   * (`--patch-user-entities`); by default they are only read: the harness writes nothing of the user's.
   */
  readonly patchUserEntities?: boolean;
}

/** A load profile and the file it came from (the report names it). */
export type { LoadedProfile as LoadProfileChoice } from "../load/profile-file.ts";

export const RUN_DEFAULTS: Omit<RunOptions, "oldImage" | "newImage"> = {
  oldNodes: 2, newNodes: 2, seed: 1, rate: 200, steps: [0, 5, 10, 25, 50, 75, 100], holdMs: 6_000,
  faults: {}, dbUpdateFrequencyS: 1, dbUpdatePropagationS: 0, datastore: "postgres", revokeCredentials: true,
  readiness: "status",
};

let fromCli: Partial<RunOptions> = {};

/**
 * Checks a run's images before the scenario builds its run (the CLI's: `--faults` only on stand-ins,
 * every image present or pullable); throws InvalidConfigError. `old` and `new` are the images the
 * scenario runs in each role.
 */
export type ImageCheck = (faults: Readonly<Record<string, string>>, images: { readonly old: string; readonly new: string }) => void;
let imageCheck: ImageCheck | undefined;

/** Called by the CLI before it loads a scenario file; `checkImages` runs when the file asks for its options. */
export function setRunOptions(options: Partial<RunOptions>, checkImages?: ImageCheck): void {
  fromCli = options;
  imageCheck = checkImages;
}

/** What a scenario file says of itself beside its default options. */
export interface ScenarioTraits {
  /** The scenario draws something at random from `seed` (a chaos scenario's fault schedule): it takes `--seed`. */
  readonly drawsAtRandom?: boolean;
  /** The scenario runs only the new image, in both roles (a fresh install): `--old` would be ignored, so it is refused. */
  readonly newImageOnly?: boolean;
}

/** A scenario's options: its own defaults, overridden by what the CLI was given; validated. */
export function runOptions(scenarioDefaults: Partial<RunOptions> & Pick<RunOptions, "oldImage" | "newImage">, traits: ScenarioTraits = {}): RunOptions {
  // A seed given to a scenario that draws nothing at random would be recorded and change nothing.
  if (fromCli.seed !== undefined && !traits.drawsAtRandom) {
    throw new InvalidConfigError(["--seed is for scenarios that draw at random (the chaos scenarios' fault schedules, e.g. scenarios/chaos-during-shift.ts); this one draws nothing at random: leave --seed out"]);
  }
  if (fromCli.oldImage !== undefined && traits.newImageOnly) throw new InvalidConfigError(["this scenario runs one image, the new one: give it with --new and leave --old out"]);
  const o: RunOptions = { ...RUN_DEFAULTS, ...scenarioDefaults, ...fromCli };
  const problems = validateRunOptions(o);
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
  // Before the scenario builds its run (its report folder, its containers): bad images end here.
  imageCheck?.(o.faults, { old: traits.newImageOnly ? o.newImage : o.oldImage, new: o.newImage });
  return o;
}

export function validateRunOptions(o: RunOptions): string[] {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < 1 || v > max) problems.push(`${name} must be a whole number from 1 to ${max}, but is ${v}`);
  };
  positiveInt("old nodes", o.oldNodes, 8);
  positiveInt("new nodes", o.newNodes, 8);
  positiveInt("rate", o.rate, 5_000);
  // The PRNG (SeededRandom) keeps 32 bits: two seeds that differ above them would draw the same.
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffff_ffff) problems.push(`the seed must be a whole number from 0 to 4294967295, but is ${o.seed}`);
  if (!o.oldImage) problems.push("the old image must be given");
  if (!o.newImage) problems.push("the new image must be given");
  const s = o.steps;
  if (s.length === 0 || s.some((w, i) => !Number.isInteger(w) || w < 0 || w > 100 || (i > 0 && w <= s[i - 1]!)) || s[s.length - 1] !== 100) {
    problems.push(`steps must be increasing whole percentages ending at 100, but are ${s.join(",")}`);
  }
  if (!(o.holdMs >= 500)) problems.push(`the hold per step must be at least 500 ms, but is ${o.holdMs}`);
  if (o.datastore !== "postgres" && o.datastore !== "cassandra") problems.push(`datastore must be postgres or cassandra, but is ${String(o.datastore)}`);
  if (o.pgAuth !== undefined && pgAuthProblem(o.pgAuth)) problems.push(pgAuthProblem(o.pgAuth)!);
  if (o.downtimeBudgetMs !== undefined && !(Number.isInteger(o.downtimeBudgetMs) && o.downtimeBudgetMs > 0)) problems.push(`the downtime budget must be a positive whole number of ms, but is ${o.downtimeBudgetMs}`);
  if (o.readiness !== "status" && o.readiness !== "baseline") problems.push(`readiness must be status or baseline, but is ${String(o.readiness)}`);
  if (o.adminWritesAfterExport !== undefined && o.adminWritesAfterExport !== "freeze" && o.adminWritesAfterExport !== "drift") problems.push(`adminWritesAfterExport must be freeze or drift, but is ${String(o.adminWritesAfterExport)}`);
  if (!(o.dbUpdateFrequencyS > 0)) problems.push(`db_update_frequency must be positive, but is ${o.dbUpdateFrequencyS}`);
  return problems;
}
