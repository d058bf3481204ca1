// The node runtime's public shapes: what `kong docker-start` hands to startNode, and what it gets back.
import type { StandinConfig } from "../config.ts";
import type { Datastore } from "../db/types.ts";
import type { Faults } from "../faults.ts";

/** What the start check found, as far as the node's behaviour depends on it. */
export interface MigrationState {
  /** Migrations of this version recorded as pending (`subsystem:name`). */
  readonly pending: readonly string[];
  /** schema_meta shows executed migrations this version does not know (a newer version's up/finish ran). */
  readonly newerExecuted: boolean;
}

export interface NodeContext {
  readonly config: StandinConfig;
  readonly version: string;
  readonly datastore: Datastore;
  readonly faults: Faults;
  /** What the start check found; the node re-reads schema_meta itself when a fault needs it live. */
  readonly migrationState?: MigrationState;
  /** Node name in logs (defaults to the hostname). */
  readonly hostname?: string;
  /** Install SIGQUIT (graceful) / SIGTERM / SIGINT handlers that close the node and exit. Default true. */
  readonly signals?: boolean;
}

export interface BoundListener { readonly host: string; readonly port: number }

export interface RunningNode {
  readonly nodeId: string;
  readonly version: string;
  readonly proxy: readonly BoundListener[];
  readonly admin: readonly BoundListener[];
  /** graceful: stop accepting, let in-flight requests finish; otherwise drop connections at once. */
  close(graceful: boolean): Promise<void>;
}
