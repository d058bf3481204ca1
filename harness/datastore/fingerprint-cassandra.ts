// The tables of Kong's Cassandra keyspace as the fingerprint reads them. Cassandra has no unique
// constraints: Kong keeps uniqueness itself, through the fields below (read before write), so those
// are the unique keys, next to each table's primary key.
import cassandra from "cassandra-driver";
import type { StartedCassandraDatastore } from "./cassandra.ts";
import type { TableRead } from "./fingerprint.ts";

/** Kong's `unique = true` fields of the core and bundled-plugin entities that live in Cassandra. */
const KONG_UNIQUE: Readonly<Record<string, readonly string[]>> = {
  services: ["name"], routes: ["name"], consumers: ["username", "custom_id"], upstreams: ["name"], plugins: ["cache_key"],
  keyauth_credentials: ["key"], basicauth_credentials: ["username"], hmacauth_credentials: ["username"], jwt_secrets: ["key"],
  acls: ["cache_key"], certificates: [], snis: ["name"], ca_certificates: ["cert_digest"], workspaces: ["name"], targets: ["cache_key"],
};

export async function readCassandraTables(ds: StartedCassandraDatastore): Promise<TableRead[]> {
  const client = new cassandra.Client({
    contactPoints: [`${ds.container.getHost()}:${ds.container.getMappedPort(9042)}`], localDataCenter: "datacenter1",
    socketOptions: { connectTimeout: 10_000, readTimeout: 30_000 },
  });
  await client.connect();
  try {
    const cols = await client.execute("SELECT table_name, column_name, type, kind, position FROM system_schema.columns WHERE keyspace_name = ?", [ds.keyspace], { prepare: true });
    const byTable = new Map<string, { name: string; type: string; kind: string; position: number }[]>();
    for (const r of cols.rows) {
      const t = String(r.get("table_name"));
      byTable.set(t, [...(byTable.get(t) ?? []), { name: String(r.get("column_name")), type: String(r.get("type")), kind: String(r.get("kind")), position: Number(r.get("position")) }]);
    }
    const out: TableRead[] = [];
    for (const [table, columns] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
      const res = await client.execute(`SELECT * FROM "${ds.keyspace}"."${table}"`, [], { fetchSize: 10_000 });
      const rows = res.rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, r.get(c.name) as unknown])));
      const primaryKey = columns.filter((c) => c.kind !== "regular" && c.kind !== "static")
        .sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === "partition_key" ? -1 : 1)).map((c) => c.name);
      out.push({
        table, rows,
        timestampColumns: new Set(columns.filter((c) => c.type === "timestamp").map((c) => c.name)),
        // `partition` (services, routes, …) is a constant bucket, so the id alone names a row.
        primaryKey: primaryKey.filter((c) => c !== "partition"),
        uniqueKeys: [primaryKey.filter((c) => c !== "partition"), ...(KONG_UNIQUE[table] ?? []).filter((c) => columns.some((x) => x.name === c)).map((c) => [c])],
      });
    }
    return out;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
