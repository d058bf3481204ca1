// What the recorder had around the Kong nodes, for one replay: the network with the echo upstream
// (`echo:8080`) and a datastore of the replay's own (PostgreSQL 15 with md5 passwords, or the lab's
// Cassandra 5.0), from the run's ReplayServices, and Kong nodes of the official image's contract.
import type { StartedNetwork } from "testcontainers";
import type { StartedCassandraDatastore } from "../../harness/datastore/cassandra.ts";
import type { StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { KongContainer, type KongTuning, type StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { KongNodeExitedError } from "../../harness/kong/kong-wait.ts";
import { KongMigrations, type MigrationCommand } from "../../harness/kong/migrations.ts";
import { renamed, schemaStatements } from "./normalize.ts";
import type { Datastore } from "./recordings.ts";
import type { ReplayDatastore, ReplayServices } from "./replay-services.ts";

/** Where the recorded nodes found their Postgres (GET / shows it as `pg_host`). */
export const RECORDED_PG_HOST = "db";
/**
 * The keyspace (Cassandra) or database (Postgres) the recorded nodes used, Kong's default: migration
 * output names it, and the Cassandra schema qualifies every table with it. A replay's own name is
 * read as this one.
 */
export const RECORDED_DATASTORE_NAME = "kong";

/**
 * The nodes' settings: Kong's own defaults (logs to the image's stdout/stderr links, the default
 * db_update_frequency), one worker, listeners on all interfaces, as the recordings' nodes ran.
 */
export const RECORDED_TUNING: KongTuning = {
  dbUpdateFrequencyS: 5,
  dbUpdatePropagationS: 0,
  extraEnv: {
    KONG_NGINX_WORKER_PROCESSES: "1",
    KONG_PROXY_ACCESS_LOG: "logs/access.log", KONG_ADMIN_ACCESS_LOG: "logs/admin_access.log",
    KONG_PROXY_ERROR_LOG: "logs/error.log", KONG_ADMIN_ERROR_LOG: "logs/error.log",
  },
};

export interface CliResult { readonly exit: number; readonly stdout: string; readonly stderr: string }

export type NodeStart =
  | { readonly started: true; readonly node: StartedKongContainer }
  | { readonly started: false; readonly exitCode: number | null; readonly running: boolean; readonly output: string; readonly error: string };

export class ReplayEnvironment implements AsyncDisposable {
  private readonly nodes = new Set<StartedKongContainer>();

  private constructor(readonly network: StartedNetwork, private readonly own: ReplayDatastore, private readonly tag: string) {}

  static async start(kind: Datastore, services: ReplayServices): Promise<ReplayEnvironment> {
    const { network, datastore, tag } = await services.forReplay(kind);
    return new ReplayEnvironment(network, datastore, tag);
  }

  /** What the nodes and the migration commands are given: the replay's own keyspace or database. */
  get datastore(): StartedPostgresDatastore | StartedCassandraDatastore { return this.own.datastore; }

  /** A value of this replay as the recorder's would read: the replay's keyspace or database named as the recorder's. */
  asRecorded<T>(value: T): T { return renamed(value, this.own.name, RECORDED_DATASTORE_NAME); }

  /** The datastore host the nodes are given, shown by GET / as `pg_host`. */
  get pgHost(): string { return this.datastore.endpoint().host; }

  async cli(image: string, command: MigrationCommand): Promise<CliResult> {
    const r = await new KongMigrations(image, this.datastore, RECORDED_TUNING).run(command);
    return { exit: r.exitCode, stdout: r.stdout.trimEnd(), stderr: r.stderr.trimEnd() };
  }

  /** Starts a node; a node that exits (or never answers) is a result, with its output. */
  async startNode(image: string, role: string): Promise<NodeStart> {
    const name = `kong-${role}-${this.tag}-${this.nodes.size + 1}`;
    try {
      const node = await new KongContainer(image, name).withDatastore(this.datastore).withTuning(RECORDED_TUNING).start(this.network);
      this.nodes.add(node);
      return { started: true, node };
    } catch (e) {
      if (e instanceof KongNodeExitedError) return { started: false, exitCode: e.exitCode, running: false, output: `${e.stdout}${e.stderr}`, error: e.message };
      return { started: false, exitCode: null, running: true, output: "", error: e instanceof Error ? e.message : String(e) };
    }
  }

  async stopNode(node: StartedKongContainer): Promise<void> {
    this.nodes.delete(node);
    await node.stop();
  }

  /** `schema_meta` rows as stored: every column, every row, by key and subsystem. */
  async schemaMeta(): Promise<unknown[]> {
    const own = this.own;
    if (own.strategy === "postgres") {
      return own.datastore.query("SELECT key, subsystem, last_executed, executed, pending FROM schema_meta ORDER BY key, subsystem");
    }
    const rs = await own.cql.execute(`SELECT key, subsystem, last_executed, executed, pending FROM "${own.name}".schema_meta`);
    return rs.rows.map((r) => ({
      key: r.get("key") as unknown, subsystem: r.get("subsystem") as unknown, last_executed: r.get("last_executed") as unknown,
      executed: (r.get("executed") as unknown) ?? null, pending: (r.get("pending") as unknown) ?? null,
    })).sort((a, b) => `${String(a.key)}\0${String(a.subsystem)}`.localeCompare(`${String(b.key)}\0${String(b.subsystem)}`));
  }

  /**
   * The schema: `pg_dump --schema-only` in the datastore's container, or Cassandra's server-side
   * DESCRIBE, of the replay's own database or keyspace only, named as the recorder's before sorting.
   */
  async schema(): Promise<{ statements: number; schema: string }> {
    const own = this.own;
    if (own.strategy === "postgres") {
      const r = await own.datastore.container.exec(["pg_dump", "--schema-only", "-U", "kong", "-d", own.name]);
      if (r.exitCode !== 0) throw new Error(`pg_dump --schema-only exited ${r.exitCode}: ${r.stderr.trim()}`);
      return schemaStatements(this.asRecorded(r.stdout));
    }
    const rows: string[] = [];
    await new Promise<void>((resolve, reject) => {
      own.cql.eachRow(`DESCRIBE KEYSPACE "${own.name}"`, [], { autoPage: true, fetchSize: 1000 },
        (_n, row) => { rows.push(String(row.get("create_statement"))); },
        (err) => (err ? reject(err) : resolve()));
    });
    return schemaStatements(this.asRecorded(rows.join("\n")));
  }

  /** Stops the replay's nodes, then drops its keyspace or database; the servers stay for the next replay. */
  async stop(): Promise<void> {
    for (const node of [...this.nodes]) await node.stop(false).catch(() => undefined);
    this.nodes.clear();
    await this.own.drop().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> { await this.stop(); }
}
