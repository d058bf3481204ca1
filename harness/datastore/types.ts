// What a scenario needs from a shared datastore, whichever strategy Kong uses.
import type { StartedNetwork } from "testcontainers";
import type { SchemaMetaRow, Snapshot } from "../checks/index.ts";

export interface StartedDatastore extends AsyncDisposable {
  readonly strategy: "postgres" | "cassandra";
  readonly image: string;
  readonly network: StartedNetwork;
  /** KONG_* variables that point a Kong node at this datastore (from inside the network). */
  kongEnv(): Record<string, string>;
  /** `schema_meta` read directly, or null when it does not exist (needs bootstrap). */
  schemaMeta(): Promise<SchemaMetaRow[] | null>;
  snapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
}
