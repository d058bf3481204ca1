// Which scenario file runs a hop, and which release of a stop to run, for `qualify` and `run --path`.
import { InvalidConfigError } from "../errors.ts";
import type { Hop, Procedure } from "./types.ts";
import { compareVersions, formatVersion, parseVersion, sameSeries } from "./version.ts";

const SCENARIOS: Readonly<Record<Procedure, string>> = {
  "postgres-blue-green": "scenarios/postgres-blue-green.ts",
  "cassandra-in-place": "scenarios/cassandra-in-place.ts",
  "cassandra-new-keyspace": "scenarios/cassandra-new-keyspace.ts",
  "fresh-install": "scenarios/fresh-install.ts",
};

/** The scenario file (relative to the project root) for a procedure. */
export const scenarioForProcedure = (procedure: Procedure): string => SCENARIOS[procedure];

/** The scenario file (relative to the project root) that runs `hop`; refuses hops the harness cannot run. */
export function scenarioFor(hop: Pick<Hop, "from" | "to" | "procedure" | "runnable" | "reason">): string {
  if (!hop.runnable) {
    throw new InvalidConfigError([`the harness cannot run the hop ${hop.from} -> ${hop.to}: ${hop.reason}`], { hint: "upgrade to 0.14.1 by hand first" });
  }
  return SCENARIOS[hop.procedure];
}

/**
 * The release to run for a hop end: the version itself when it is a release (`2.6.0`), else the
 * highest release of its series in `available` that is at least `atLeast` (`1.5.x` -> `1.5.1`).
 */
export function releaseFor(label: string, available: readonly string[], atLeast?: string): string | undefined {
  const wanted = parseVersion(label);
  if (!wanted) return undefined;
  if (wanted.patch !== undefined) return available.includes(label) ? label : undefined;
  const floor = atLeast ? parseVersion(atLeast) : undefined;
  const candidates = available.map(parseVersion).filter((c): c is NonNullable<typeof c> =>
    c !== undefined && c.patch !== undefined && sameSeries(c, wanted) && (!floor || compareVersions(c, floor) >= 0));
  const best = candidates.sort(compareVersions).at(-1);
  return best ? formatVersion(best) : undefined;
}
