// What the recorder had around the Kong nodes, started for one replay: a network, the datastore
// (PostgreSQL 15 with md5 passwords, or the lab's Cassandra 5.0), the echo upstream as `echo:8080`
// answering in the recordings' shape, and Kong nodes of the official image's contract.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { CassandraDatastore, type StartedCassandraDatastore } from "../../harness/datastore/cassandra.ts";
import { PostgresDatastore, type StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { KongContainer, type KongTuning, type StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { KongNodeExitedError } from "../../harness/kong/kong-wait.ts";
import { KongMigrations, type MigrationCommand } from "../../harness/kong/migrations.ts";
import { labImage, PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { schemaStatements } from "./normalize.ts";
import type { Datastore } from "./recordings.ts";

/** The recorder's upstream: its alias and port are in every recorded service URL and Host header. */
export const ECHO_ALIAS = "echo";
export const ECHO_PORT = 8080;
/** Where the recorded nodes found their Postgres (GET / shows it as `pg_host`). */
export const RECORDED_PG_HOST = "db";

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
  private cqlClient?: cassandra.Client;

  private constructor(
    readonly network: StartedNetwork,
    readonly datastore: StartedPostgresDatastore | StartedCassandraDatastore,
    private readonly echo: StartedTestContainer,
    private readonly tag: string,
  ) {}

  static async start(kind: Datastore): Promise<ReplayEnvironment> {
    const network = await new Network().start();
    const started: { stop(): Promise<unknown> }[] = [network];
    try {
      const datastore = kind === "postgres"
        ? await new PostgresDatastore(labImage("postgres")).withAuth("md5").start(network)
        : await new CassandraDatastore(labImage("cassandra")).start(network);
      started.unshift(datastore);
      // The recorder's database granted its user the public schema (pg_dump shows the grant).
      if (datastore.strategy === "postgres") await datastore.query("GRANT ALL ON SCHEMA public TO kong");
      const echo = await new GenericContainer(labImage("node-base"))
        .withNetwork(network).withNetworkAliases(ECHO_ALIAS)
        .withCopyContentToContainer([{ content: readFileSync(join(PROJECT_ROOT, "lab/upstream/echo.mjs")), target: "/srv/echo.mjs" }])
        .withEnvironment({ ECHO_ANSWER: "request", PORT: String(ECHO_PORT) })
        .withCommand(["node", "/srv/echo.mjs"])
        .withWaitStrategy(Wait.forLogMessage(/echo upstream listening/))
        .withName(`conformance-echo-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
        .start();
      return new ReplayEnvironment(network, datastore, echo, Math.random().toString(36).slice(2, 6));
    } catch (e) {
      for (const s of started) await s.stop().catch(() => undefined);
      throw e;
    }
  }

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
    const ds = this.datastore;
    if (ds.strategy === "postgres") {
      return ds.query("SELECT key, subsystem, last_executed, executed, pending FROM schema_meta ORDER BY key, subsystem");
    }
    const rs = await (await this.cql()).execute(`SELECT key, subsystem, last_executed, executed, pending FROM "${ds.keyspace}".schema_meta`);
    return rs.rows.map((r) => ({
      key: r.get("key") as unknown, subsystem: r.get("subsystem") as unknown, last_executed: r.get("last_executed") as unknown,
      executed: (r.get("executed") as unknown) ?? null, pending: (r.get("pending") as unknown) ?? null,
    })).sort((a, b) => `${String(a.key)}\0${String(a.subsystem)}`.localeCompare(`${String(b.key)}\0${String(b.subsystem)}`));
  }

  /** The schema: `pg_dump --schema-only` in the datastore's container, or Cassandra's server-side DESCRIBE. */
  async schema(): Promise<{ statements: number; schema: string }> {
    const ds = this.datastore;
    if (ds.strategy === "postgres") {
      const r = await ds.container.exec(["pg_dump", "--schema-only", "-U", "kong", "-d", ds.database]);
      if (r.exitCode !== 0) throw new Error(`pg_dump --schema-only exited ${r.exitCode}: ${r.stderr.trim()}`);
      return schemaStatements(r.stdout);
    }
    const rows: string[] = [];
    await new Promise<void>((resolve, reject) => {
      this.cql().then((client) => client.eachRow(`DESCRIBE KEYSPACE "${ds.keyspace}"`, [], { autoPage: true, fetchSize: 1000 },
        (_n, row) => { rows.push(String(row.get("create_statement"))); },
        (err) => (err ? reject(err) : resolve())), reject);
    });
    return schemaStatements(rows.join("\n"));
  }

  private async cql(): Promise<cassandra.Client> {
    if (this.cqlClient) return this.cqlClient;
    const c = (this.datastore as StartedCassandraDatastore).container;
    const client = new cassandra.Client({
      contactPoints: [`${c.getHost()}:${c.getMappedPort(9042)}`], localDataCenter: "datacenter1",
      socketOptions: { connectTimeout: 10_000, readTimeout: 60_000 },
    });
    await client.connect();
    this.cqlClient = client;
    return client;
  }

  async stop(): Promise<void> {
    for (const node of [...this.nodes]) await node.stop(false).catch(() => undefined);
    this.nodes.clear();
    await this.cqlClient?.shutdown().catch(() => undefined);
    await this.echo.stop().catch(() => undefined);
    await this.datastore.stop().catch(() => undefined);
    await this.network.stop().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> { await this.stop(); }
}
