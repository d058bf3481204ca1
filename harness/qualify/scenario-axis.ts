// The scenarios a qualification can run per pair (`qualify --scenarios a,b`), and which pair each
// applies to: a scenario carries out one of the plan's procedures on one datastore, so it runs for a
// pair whose plan chose that procedure (or lists it as an alternative) on that datastore. The
// scenario files say this in prose and in their code (a migration-chaos run refuses Cassandra); the
// table below is the machine-readable form, held to scenarios/ by qualify.test.ts.
import { InvalidConfigError } from "../errors.ts";
import type { Procedure } from "../plan/index.ts";
import type { Datastore } from "./matrix.ts";

export interface AxisScenario {
  /** The scenario's name on the command line, its file's base name. */
  readonly name: string;
  /** Relative to the project root, as `run` takes it. */
  readonly file: string;
  /** The plan's procedures this scenario carries out. */
  readonly procedures: readonly Procedure[];
  readonly datastores: readonly Datastore[];
}

const scenario = (name: string, procedures: readonly Procedure[], datastores: readonly Datastore[]): AxisScenario =>
  ({ name, file: `scenarios/${name}.ts`, procedures, datastores });

export const AXIS_SCENARIOS: readonly AxisScenario[] = [
  scenario("postgres-blue-green", ["postgres-blue-green"], ["postgres"]),
  scenario("chaos-during-shift", ["postgres-blue-green"], ["postgres"]),
  // Its clean reference run is made on a copy of the Postgres database.
  scenario("migration-killed-during-up", ["postgres-blue-green"], ["postgres"]),
  scenario("cassandra-in-place", ["cassandra-in-place"], ["cassandra"]),
  scenario("cassandra-new-keyspace", ["cassandra-new-keyspace"], ["cassandra"]),
];

/** Scenario files of scenarios/ that are no qualification axis, and why. */
export const NOT_ON_THE_AXIS: Readonly<Record<string, string>> = {
  "fresh-install": "it installs one version on an empty datastore and upgrades no pair",
};

/** The scenarios named by `--scenarios`, in the order given; every unknown name at once. */
export function axisScenarios(names: readonly string[]): AxisScenario[] {
  const valid = AXIS_SCENARIOS.map((s) => s.name).join(", ");
  const problems: string[] = [];
  if (names.length === 0) problems.push(`--scenarios needs at least one scenario: ${valid}`);
  for (const n of names) {
    if (AXIS_SCENARIOS.some((s) => s.name === n)) continue;
    const why = NOT_ON_THE_AXIS[n.replace(/^scenarios\//, "").replace(/\.ts$/, "")];
    problems.push(why ? `--scenarios: ${n} is not a qualification scenario (${why}); the scenarios are ${valid}`
      : `--scenarios: unknown scenario "${n}"; the scenarios are ${valid}`);
  }
  if (new Set(names).size !== names.length) problems.push("--scenarios lists a scenario twice");
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness list` to see what each does" });
  return names.map((n) => AXIS_SCENARIOS.find((s) => s.name === n)!);
}

/** Whether `s` carries out the pair's procedure (or an alternative the plan lists) on its datastore. */
export const appliesTo = (s: AxisScenario, pair: { readonly datastore: Datastore; readonly procedure: Procedure; readonly alternatives: readonly Procedure[] }): boolean =>
  s.datastores.includes(pair.datastore) && [pair.procedure, ...pair.alternatives].some((p) => s.procedures.includes(p));
