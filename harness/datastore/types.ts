// What a scenario needs from a shared datastore, whichever strategy Kong uses.
import type { StartedNetwork } from "testcontainers";
import type { SchemaMetaRow, Snapshot } from "../checks/index.ts";

export interface DatastoreEndpoint { readonly host: string; readonly port: number }

export interface StartedDatastore extends AsyncDisposable {
  readonly strategy: "postgres" | "cassandra";
  readonly image: string;
  readonly network: StartedNetwork;
  /** KONG_* variables that point a Kong node at this datastore (from inside the network), or at `via` (a proxy in front of it). */
  kongEnv(via?: DatastoreEndpoint): Record<string, string>;
  /** Where the datastore listens inside the network (what a proxy in front of it forwards to). */
  endpoint(): DatastoreEndpoint;
  /** Restarts the datastore's container (a graceful stop, then start); resolves once it is ready again. */
  restart(): Promise<void>;
  /** `schema_meta` read directly, or null when it does not exist (needs bootstrap). */
  schemaMeta(): Promise<SchemaMetaRow[] | null>;
  snapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
}
