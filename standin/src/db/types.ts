// The stand-in's data layer, shared by the migration engine (CLI) and the node (Admin API, proxy).
// Both strategies implement it against a real PostgreSQL or Cassandra; nothing here is in memory.

export type Strategy = "postgres" | "cassandra";
export type Row = Record<string, unknown>;

/** Core and plugin tables the node reads and writes through the Admin API. */
export type EntityTable =
  | "services" | "routes" | "consumers" | "plugins" | "upstreams" | "targets"
  | "keyauth_credentials" | "basicauth_credentials" | "acls" | "jwt_secrets";

export interface SchemaMetaRow {
  readonly subsystem: string;
  readonly lastExecuted: string | null;
  readonly executed: readonly string[];
  readonly pending: readonly string[];
}

export interface Page { readonly rows: Row[]; readonly offset?: string }

export class UniqueViolation extends Error {
  constructor(readonly table: EntityTable, readonly fields: Readonly<Record<string, unknown>>) {
    super(`UNIQUE violation on ${table}`);
  }
}

export class ForeignKeyViolation extends Error {
  constructor(readonly table: EntityTable, readonly fields: Readonly<Record<string, unknown>>) {
    super(`foreign key violation on ${table}`);
  }
}

/**
 * Entity access with the column list of the running Kong version: a node selects exactly the
 * columns its version knows, so a column dropped by a newer teardown fails the read the way Kong's
 * explicit SELECT lists do (`column "run_on" does not exist`).
 */
export interface EntityDao {
  select(table: EntityTable, id: string): Promise<Row | null>;
  selectBy(table: EntityTable, field: string, value: unknown): Promise<Row | null>;
  page(table: EntityTable, opts: { size: number; offset?: string; where?: Readonly<Record<string, unknown>> }): Promise<Page>;
  all(table: EntityTable): Promise<Row[]>;
  insert(table: EntityTable, row: Row): Promise<Row>;
  update(table: EntityTable, id: string, patch: Row): Promise<Row | null>;
  upsert(table: EntityTable, row: Row): Promise<Row>;
  delete(table: EntityTable, id: string): Promise<void>;
  /** 2.1+: `workspaces:select_by_name("default")`'s id, null when there is no such row. */
  defaultWorkspaceId(): Promise<string | null>;
}

export interface ClusterEvent {
  readonly id: string;
  readonly nodeId: string;
  readonly atMs: number;
  readonly nbfMs: number | null;
  readonly channel: string;
  readonly data: string;
}

/** Kong's `cluster_events` table: the only way nodes learn of each other's writes. */
export interface EventStore {
  insert(event: Omit<ClusterEvent, "id" | "atMs"> & { expireAfterS: number }): Promise<void>;
  /**
   * Events with `at` >= sinceMs, oldest first, as the polling timer reads them. `channels`: the ones
   * the node subscribed to (Cassandra reads one channel partition at a time; Postgres ignores it).
   */
  since(sinceMs: number, channels?: readonly string[]): Promise<ClusterEvent[]>;
  /** The datastore's clock, so that cursors never depend on a node's local clock. */
  nowMs(): Promise<number>;
}

/** rate-limiting's `ratelimiting_metrics` (policy `cluster`): counters shared by every node. */
export interface CounterStore {
  increment(key: { identifier: string; period: string; periodStartMs: number; routeId: string | null; serviceId: string | null }, value: number): Promise<void>;
  get(key: { identifier: string; period: string; periodStartMs: number; routeId: string | null; serviceId: string | null }): Promise<number>;
}

export interface MigrationStore {
  needsBootstrap(): Promise<boolean>;
  /** null when `schema_meta` does not exist (needs bootstrap). */
  schemaMeta(): Promise<Map<string, SchemaMetaRow> | null>;
  createMetaTables(): Promise<void>;
  recordExecuted(subsystem: string, name: string): Promise<void>;
  recordPending(subsystem: string, name: string): Promise<void>;
  recordTeardownDone(subsystem: string, name: string): Promise<void>;
  /**
   * Runs a migration's `up` text (SQL in one transaction on Postgres; CQL split on `;` on Cassandra).
   * `migration` names it in the warnings of errors Kong ignores.
   */
  runUp(text: string, migration?: string): Promise<void>;
  reset(): Promise<void>;
  tryLock(owner: string, ttlS: number): Promise<boolean>;
  lockHeld(): Promise<boolean>;
  unlock(owner: string): Promise<void>;
}

export interface Datastore {
  readonly strategy: Strategy;
  /** `database 'kong'` or `keyspace 'kong'`, as migration lines print it. */
  readonly description: string;
  readonly entities: EntityDao;
  readonly events: EventStore;
  readonly counters: CounterStore;
  readonly migrations: MigrationStore;
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}
