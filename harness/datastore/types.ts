// What a scenario needs from a shared datastore, whichever strategy Kong uses.
import type { StartedNetwork } from "testcontainers";

export interface SchemaMetaRow {
  readonly subsystem: string;
  readonly lastExecuted: string | null;
  readonly executed: readonly string[];
  readonly pending: readonly string[];
}

export interface ColumnInfo { readonly type: string; readonly nullable: boolean; readonly default: string | null }
export interface TableInfo {
  readonly columns: Readonly<Record<string, ColumnInfo>>;
  readonly constraints: readonly string[];
  readonly indexes: readonly string[];
}
/** The datastore's schema and row counts at one moment, as plain data for checks and reports. */
export interface SchemaSnapshot {
  readonly tables: Readonly<Record<string, TableInfo>>;
  readonly rowCounts: Readonly<Record<string, number>>;
}

export interface StartedDatastore extends AsyncDisposable {
  readonly strategy: "postgres" | "cassandra";
  readonly image: string;
  readonly network: StartedNetwork;
  /** KONG_* variables that point a Kong node at this datastore (from inside the network). */
  kongEnv(): Record<string, string>;
  /** `schema_meta` read directly, or null when it does not exist (needs bootstrap). */
  schemaMeta(): Promise<SchemaMetaRow[] | null>;
  snapshot(): Promise<SchemaSnapshot>;
  stop(): Promise<void>;
}
