// Options a scenario runs with. The CLI sets them (from its flags) before mocha loads the scenario
// file; a scenario run directly by mocha gets its own defaults. Normalized once, then read-only.
import { pgAuthProblem, type PgAuthChoice } from "../datastore/postgres-auth.ts";
import { InvalidConfigError } from "../errors.ts";

export interface RunOptions {
  readonly oldImage: string;
  readonly newImage: string;
  readonly oldNodes: number;
  readonly newNodes: number;
  /** Where report.json and the run's files go; default reports/runs/<scenario>-<time>. */
  readonly reportDir?: string;
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
  /** Kong's datastore strategy for the run. */
  readonly datastore: "postgres" | "cassandra";
  /**
   * Postgres: the password authentication the datastore asks for (`--pg-auth`); `auto` (the default):
   * md5 when an image of the run is a Kong whose Postgres client has no SCRAM (before 2.7.0), else scram-sha-256.
   */
  readonly pgAuth?: PgAuthChoice;
  /** Cassandra in place: the longest accepted downtime window, ms; overrides the scenario's (`--downtime-budget-ms`). */
  readonly downtimeBudgetMs?: number;
  /** Cassandra new keyspace: Admin writes after the export frozen or let through as drift; overrides the scenario's (`--drift-mode`). */
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
}

export const RUN_DEFAULTS: Omit<RunOptions, "oldImage" | "newImage"> = {
  oldNodes: 2, newNodes: 2, seed: 1, rate: 200, steps: [0, 5, 10, 25, 50, 75, 100], holdMs: 6_000,
  faults: {}, dbUpdateFrequencyS: 1, dbUpdatePropagationS: 0, datastore: "postgres", revokeCredentials: true,
  readiness: "status",
};

let fromCli: Partial<RunOptions> = {};

/** Called by the CLI before it loads a scenario file. */
export function setRunOptions(options: Partial<RunOptions>): void {
  fromCli = options;
}

/** A scenario's options: its own defaults, overridden by what the CLI was given; validated. */
export function runOptions(scenarioDefaults: Partial<RunOptions> & Pick<RunOptions, "oldImage" | "newImage">): RunOptions {
  const o: RunOptions = { ...RUN_DEFAULTS, ...scenarioDefaults, ...fromCli };
  const problems = validateRunOptions(o);
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
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
