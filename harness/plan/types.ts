// The upgrade plan's vocabulary: what `planUpgrade` returns and what `describePlan` prints.

export type Datastore = "postgres" | "cassandra";
export const DATASTORES: readonly Datastore[] = ["postgres", "cassandra"];

/** How one hop is carried out; each has a scenario in scenarios/ (see `scenarioFor`). */
export type Procedure =
  /** `kong migrations up`, old and new clusters side by side on one database, traffic shifted, `finish`. */
  | "postgres-blue-green"
  /** `kong migrations up` / `finish` on the shared keyspace (a downtime window when the schemas are incompatible). */
  | "cassandra-in-place"
  /** New keyspace: `kong migrations bootstrap`, `kong config db_export` on the old cluster, `db_import` on the new. */
  | "cassandra-new-keyspace"
  /** A fresh datastore: `kong migrations bootstrap`, then start. */
  | "fresh-install";

/** `from` of a plan that installs on a fresh datastore instead of upgrading. */
export const FRESH = "fresh";

export interface ProcedureChoice {
  readonly procedure: Procedure;
  /** Why this procedure applies, in the seed's and Kong's words where they have them. */
  readonly reason: string;
  /** True when the old and new versions cannot serve at the same time (a downtime window). */
  readonly expectsDowntime: boolean;
}

export interface Hop extends ProcedureChoice {
  /** A version as given (`2.1.4`), a series stop (`1.5.x`), or `fresh`. */
  readonly from: string;
  readonly to: string;
  /** The lowest release of `to` this hop needs (`2.8.2` for the `2.8.x` stop before 3.x). */
  readonly toAtLeast?: string;
  readonly datastore: Datastore;
  /** Steps beyond the procedure's own, e.g. `kong migrations migrate-apis` on the way to 1.5.x. */
  readonly extraSteps: readonly string[];
  /** Facts the operator (and the scenario's expectations) should know for this hop. */
  readonly notes: readonly string[];
  /** Other procedures that also apply (e.g. Cassandra in-place with downtime instead of a new keyspace). */
  readonly alternatives: readonly ProcedureChoice[];
  /** False when the harness cannot run this hop (Kong 0.x before 0.14.1 has no `up`/`finish`). */
  readonly runnable: boolean;
}

export type RefusalCode =
  | "bad-version" | "unknown-release" | "bad-datastore" | "downgrade" | "same-version" | "cassandra-unsupported";

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

export interface PlanRequest {
  /** `MAJOR.MINOR.PATCH`, `MAJOR.MINOR.x`, or `fresh` for a fresh install. */
  readonly from: string;
  readonly to: string;
  /** Default postgres. A string so that a bad value is reported with the other problems. */
  readonly datastore?: string;
}

/** Hops in order; empty when `refusals` says why the jump is not supported. */
export interface Plan {
  readonly from: string;
  readonly to: string;
  readonly datastore: string;
  readonly hops: readonly Hop[];
  readonly refusals: readonly Refusal[];
}
