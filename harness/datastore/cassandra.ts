// Apache Cassandra as Kong's shared datastore: one node on the scenario's network, with direct
// reads of schema_meta and of the keyspace's schema (system_schema), never Kong's word for it.
//
// Kong's driver (lua-cassandra) uses the contact point only to read the topology, then connects to
// the address each node advertises (system.local rpc_address) at cassandra_port. So the node is on
// the scenario's network alone: its one address is the one it advertises, and every Kong container
// on that network reaches it. (A network alias would put it on Docker's default bridge first, and it
// would advertise that address, which containers on the scenario's network cannot reach.) Kong finds
// it by its container name.
import cassandra from "cassandra-driver";
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import type { SchemaMetaRow, Snapshot, TableSnapshot } from "../checks/index.ts";
import type { DatastoreEndpoint, StartedDatastore } from "./types.ts";

const CQL_PORT = 9042;
/**
 * The system keyspaces are not flushed to disk at every schema change (they stay in the commit log,
 * and a graceful stop or restart flushes them). Kong's migrations are mostly schema changes: a
 * `kong migrations bootstrap` of 2.6.0 takes 6-7 s instead of 17-19 s here, and nothing Kong reads
 * (schema versions, system.local, the keyspace's tables) changes. The datastore lives for one run.
 */
const QUICK_SCHEMA_CHANGES = "-Dcassandra.unsafesystem=true";
const DC = "datacenter1";

type AddressTranslator = cassandra.policies.addressResolution.AddressTranslator;
// The driver accepts only its own class here, which its typings declare as an interface.
const { AddressTranslator } = cassandra.policies.addressResolution as unknown as { AddressTranslator: new () => AddressTranslator };

/** The harness reaches the node through its mapped port only: any address Cassandra advertises is read as that. */
class MappedPortTranslator extends AddressTranslator {
  constructor(private readonly mapped: string) { super(); }
  override translate(_address: string, _port: number, callback: (endpoint: string) => void): void { callback(this.mapped); }
}

/** The harness's own session: the mapped port, whatever the node advertises. */
export function hostSideClient(container: StartedTestContainer): cassandra.Client {
  const mapped = `${container.getHost()}:${container.getMappedPort(CQL_PORT)}`;
  return new cassandra.Client({
    contactPoints: [mapped], localDataCenter: DC,
    policies: { addressResolution: new MappedPortTranslator(mapped) },
    socketOptions: { connectTimeout: 10_000, readTimeout: 30_000 },
  });
}

export class CassandraDatastore {
  private keyspace = "kong";

  constructor(private readonly image: string) {}

  withKeyspace(keyspace: string): this { this.keyspace = keyspace; return this; }

  async start(network: StartedNetwork): Promise<StartedCassandraDatastore> {
    const container = await new GenericContainer(this.image)
      .withNetwork(network)
      .withExposedPorts(CQL_PORT)
      .withEnvironment({ CASSANDRA_CLUSTER_NAME: "kong-upgrade-harness", MAX_HEAP_SIZE: "768M", HEAP_NEWSIZE: "128M", JVM_EXTRA_OPTS: QUICK_SCHEMA_CHANGES })
      // Cassandra logs this line just before it binds the port: wait for both.
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/Starting listening for CQL clients/), Wait.forListeningPorts()]))
      .withStartupTimeout(180_000)
      .withName(`kong-cassandra-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
      .start();
    const client = hostSideClient(container);
    await client.connect();
    return new StartedCassandraDatastore(container, client, this.image, network, this.keyspace);
  }
}

export class StartedCassandraDatastore implements StartedDatastore {
  readonly strategy = "cassandra" as const;

  constructor(
    readonly container: StartedTestContainer, private readonly client: cassandra.Client, readonly image: string,
    readonly network: StartedNetwork, readonly keyspace: string,
  ) {}

  kongEnv(via: DatastoreEndpoint = this.endpoint()): Record<string, string> {
    return {
      KONG_DATABASE: "cassandra", KONG_CASSANDRA_CONTACT_POINTS: via.host, KONG_CASSANDRA_PORT: String(via.port),
      KONG_CASSANDRA_KEYSPACE: this.keyspace, KONG_CASSANDRA_LOCAL_DATACENTER: DC,
    };
  }

  /** The same datastore, seen through another keyspace (the seed's new-keyspace path). */
  withKeyspace(keyspace: string): StartedCassandraDatastore {
    return new StartedCassandraDatastore(this.container, this.client, this.image, this.network, keyspace);
  }

  async schemaMeta(): Promise<SchemaMetaRow[] | null> {
    const t = await this.client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'schema_meta'", [this.keyspace], { prepare: true });
    if (t.rowLength === 0) return null;
    const rows = await this.client.execute(`SELECT key, subsystem, last_executed, executed, pending FROM "${this.keyspace}".schema_meta WHERE key = 'schema_meta'`);
    return rows.rows.map((r) => ({
      key: "schema_meta", subsystem: String(r.get("subsystem")), lastExecuted: (r.get("last_executed") as string | null) ?? null,
      // set<text> is unordered: sorted, so snapshots compare stably.
      executed: [...((r.get("executed") as string[] | null) ?? [])].sort(), pending: [...((r.get("pending") as string[] | null) ?? [])].sort(),
    })).sort((a, b) => a.subsystem.localeCompare(b.subsystem));
  }

  async snapshot(): Promise<Snapshot> {
    const cols = await this.client.execute("SELECT table_name, column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ?", [this.keyspace], { prepare: true });
    const idx = await this.client.execute("SELECT table_name, index_name, options FROM system_schema.indexes WHERE keyspace_name = ?", [this.keyspace], { prepare: true });
    type MutableTable = { columns: Record<string, TableSnapshot["columns"][string]>; constraints: TableSnapshot["constraints"][number][]; indexes: TableSnapshot["indexes"][number][] };
    const tables: Record<string, MutableTable> = {};
    const table = (name: string): MutableTable => (tables[name] ??= { columns: {}, constraints: [], indexes: [] });
    for (const r of cols.rows) {
      const t = table(String(r.get("table_name")));
      const kind = String(r.get("kind"));
      t.columns[String(r.get("column_name"))] = { type: String(r.get("type")), nullable: kind === "regular" || kind === "static", default: null };
      if (kind !== "regular" && kind !== "static") t.constraints.push({ name: `${r.get("column_name")}`, type: kind, definition: `${kind} ${r.get("column_name")}` });
    }
    for (const r of idx.rows) table(String(r.get("table_name"))).indexes.push({ name: String(r.get("index_name")), definition: JSON.stringify(r.get("options")) });
    const rowCounts: Record<string, number> = {};
    for (const name of Object.keys(tables)) {
      const r = await this.client.execute(`SELECT count(*) FROM "${this.keyspace}"."${name}"`);
      rowCounts[name] = Number(r.first()?.get("count") ?? 0);
    }
    return { tables, rowCounts };
  }

  /** The container's name, which Docker's DNS answers on the scenario's network. */
  endpoint(): DatastoreEndpoint { return { host: this.container.getName().replace(/^\//, ""), port: CQL_PORT }; }

  /** The driver's host port goes stale on restart (new mapping): the harness's own reads are for before or after a run's faults. */
  async restart(): Promise<void> {
    await this.container.restart({ timeout: 30_000 });
  }

  async stop(): Promise<void> {
    await this.client.shutdown().catch(() => undefined);
    await this.container.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> { await this.stop(); }
}
