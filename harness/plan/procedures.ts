// Which procedure carries out one hop, and why: the seed's rules (kong-upgrade-to-2.6.md), Kong's
// UPGRADE.md for 1.0 and 3.0, and the reference (sections 0, 1.5, 8.1, 10), generalized per series.
import type { Datastore, Hop, ProcedureChoice } from "./types.ts";
import { atLeast, below, type KongVersion, sameSeries } from "./version.ts";

const series = (ver: KongVersion): string => `${ver.major}.${ver.minor}.x`;

export const CASSANDRA_REJECTED = "Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.";

export const CASSANDRA_DEPRECATED = "Kong deprecates Cassandra from 2.7 (`Support for Cassandra is deprecated.`) and rejects it from 3.4: plan a move to Postgres";

const UP_FINISH = "`kong migrations up` (non-destructive), old and new clusters side by side on the same";

function legacyChoice(datastore: Datastore): ProcedureChoice {
  return {
    procedure: datastore === "postgres" ? "postgres-blue-green" : "cassandra-in-place",
    reason: "Kong 0.x has no `kong migrations finish`: run `kong migrations up` with the new version, then `kong reload`, following the UPGRADE.md section of each 0.x release on the way (some of them need downtime)",
    expectsDowntime: false,
  };
}

function postgresChoice(from: KongVersion): ProcedureChoice {
  const since = below(from, "1.0.0") ? "Kong 1.0's migrations framework supports a no-downtime Blue/Green migration from 0.14.x" : "Postgres supports the no-downtime Blue/Green migration model";
  return { procedure: "postgres-blue-green", reason: `${since}: ${UP_FINISH} database while traffic shifts, then \`kong migrations finish\``, expectsDowntime: false };
}

/** Cassandra: the seed's 2.1.x-and-lower incompatibility applies to every target from 2.2 on. */
function cassandraChoices(from: KongVersion, to: KongVersion): [ProcedureChoice, ProcedureChoice[]] {
  if (below(from, "2.2.0") && atLeast(to, "2.2.0")) {
    const why = `Cassandra schemas of 2.1.x and lower are incompatible with ${series(to)}`;
    return [
      { procedure: "cassandra-new-keyspace", expectsDowntime: false, reason: `${why}: a new keyspace keeps the old cluster fully operational (\`kong migrations bootstrap\` with ${series(to)} on the new keyspace, \`kong config db_export\` on the old cluster, \`kong config db_import\` on the new one)` },
      [{ procedure: "cassandra-in-place", expectsDowntime: true, reason: `${why}: \`kong migrations up\` / \`kong migrations finish\` on the shared keyspace need a small window of downtime, since the old and new versions cannot use the database at the same time` }],
    ];
  }
  const why = atLeast(from, "2.2.0")
    ? `Cassandra schemas of 2.2.x and later are compatible with ${series(to)} (the seed's incompatibility is for 2.1.x and lower)`
    : `no Cassandra schema incompatibility is documented for ${series(from)} -> ${series(to)}`;
  return [{ procedure: "cassandra-in-place", expectsDowntime: false, reason: `${why}: ${UP_FINISH} keyspace, then \`kong migrations finish\`` }, []];
}

export function extraStepsFor(from: KongVersion, to: KongVersion): string[] {
  if (!below(from, "1.0.0") || below(to, "1.0.0")) return [];
  if (atLeast(to, "1.5.0")) return ["kong migrations migrate-apis (1.5.x) for legacy `apis`: converts them into Routes and Services (`-f` also converts apis that use custom plugins)"];
  return ["replace legacy `apis` entities with Routes and Services and delete them first: Kong 1.0 to 1.4 refuse to run migrations while any exist"];
}

/** Where Kong's code (and the stand-in, which follows it) puts the Cassandra break, with the pointer. */
export const CASSANDRA_CODE_BREAK = "Kong's code puts the Cassandra schema break at 2.0 -> 2.1 (from 2.1 the Cassandra strategy stores unique values with a workspace prefix; 2.1.x and 2.2.x and later share that format), not at 2.1 -> 2.2: see standin/README.md, \"The 2.0 ↔ 2.1+ Cassandra break\"";

/**
 * The seed's Cassandra rule (2.1.x and lower incompatible) stays the plan's procedure; this states
 * the code-level finding next to it, so a run that disagrees with the seed is not a surprise.
 */
function cassandraCodeNotes(from: KongVersion, to: KongVersion): string[] {
  const crossesCodeBreak = below(from, "2.1.0") && atLeast(to, "2.1.0");
  if (crossesCodeBreak && atLeast(to, "2.2.0")) return [`${CASSANDRA_CODE_BREAK}; this hop crosses it, so the code agrees with the seed's procedure`];
  if (crossesCodeBreak) {
    return [`${CASSANDRA_CODE_BREAK}; this hop crosses it although the seed documents no incompatibility here: old and new nodes cannot share the keyspace between \`up\` and \`finish\`, so expect a downtime window in place (or use a new keyspace)`];
  }
  if (below(from, "2.2.0") && atLeast(to, "2.2.0")) {
    return [`${CASSANDRA_CODE_BREAK}; from 2.1.x this hop does not cross it: the plan keeps the seed's documented procedure, though by the code an in-place \`up\`/\`finish\` would let old and new nodes share the keyspace`];
  }
  return [];
}

export function notesFor(from: KongVersion, to: KongVersion, datastore: Datastore): string[] {
  const notes: string[] = [];
  if (sameSeries(from, { major: 2, minor: 5, patch: undefined }) && sameSeries(to, { major: 2, minor: 6, patch: undefined })) {
    notes.push("2.5.x -> 2.6.x has no migrations: `kong migrations up` prints `Database is already up-to-date` and `finish` prints `No pending migrations to finish`");
  }
  if (below(from, "2.0.0") && atLeast(to, "2.0.0") && atLeast(from, "1.0.0")) {
    notes.push("`kong migrations finish` drops `plugins.run_on`: 1.x nodes cannot start against the datastore afterwards");
  }
  if (below(from, "3.0.0") && atLeast(to, "3.0.0")) notes.push(...threeZeroNotes(from));
  if (datastore === "cassandra" && atLeast(to, "2.7.0")) {
    notes.push(CASSANDRA_DEPRECATED);
  }
  if (datastore === "cassandra" && atLeast(from, "0.14.1")) notes.push(...cassandraCodeNotes(from, to));
  if (datastore === "cassandra" && below(from, "2.2.0") && atLeast(to, "2.2.0")) {
    notes.push("new keyspace: Admin API writes made on the old cluster after `kong config db_export` do not reach the new keyspace; freeze writes from the export to the cut-over");
    if (below(from, "1.5.0")) notes.push(`the reference documents \`kong config db_export\` from 1.5.0; check that ${series(from)} has it, or use the in-place alternative`);
  }
  return notes;
}

function threeZeroNotes(from: KongVersion): string[] {
  const notes = ["Kong's 3.0 UPGRADE.md recommends upgrading to 2.8.x first and migrating a cloned database (dual cluster) before shifting traffic; a shared-database blue/green needs 2.8.2 or later, because 3.0's `kong migrations up` rewrites regex route paths with a `~` prefix that only 2.8.2+ routers understand"];
  if (from.patch === undefined) notes.push("on 2.8.0 or 2.8.1, upgrade to 2.8.2 or later first");
  return notes;
}

/** One hop's procedure, alternatives, extra steps and notes. `from`/`to` are the hop's end points. */
export function hopFor(fromLabel: string, from: KongVersion, toLabel: string, to: KongVersion, datastore: Datastore): Omit<Hop, "toAtLeast"> {
  const legacy = below(from, "0.14.1");
  const [choice, alternatives] = legacy ? [legacyChoice(datastore), []] : datastore === "postgres" ? [postgresChoice(from), []] : cassandraChoices(from, to);
  return {
    from: fromLabel, to: toLabel, datastore, ...choice, alternatives,
    extraSteps: extraStepsFor(from, to), notes: notesFor(from, to, datastore), runnable: !legacy,
  };
}
