// The tables of Kong's Postgres schema as the fingerprint reads them: rows, timestamp columns,
// primary key and unique constraints, straight from the catalog.
import type { TableRead } from "./fingerprint.ts";
import type { StartedPostgresDatastore } from "./postgres.ts";

export async function readPostgresTables(ds: StartedPostgresDatastore): Promise<TableRead[]> {
  const tables = await ds.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1");
  const stamps = await ds.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'");
  const keys = await ds.query<{ table_name: string; type: string; columns: string[] }>(
    `SELECT cl.relname AS table_name, c.contype::text AS type,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns
     FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
     WHERE ns.nspname = current_schema() AND c.contype IN ('p', 'u') ORDER BY 1, 2, 3`);
  const out: TableRead[] = [];
  for (const { table_name: table } of tables) {
    const rows = await ds.query<Record<string, unknown>>(`SELECT * FROM "${table.replace(/"/g, '""')}"`);
    const own = keys.filter((k) => k.table_name === table);
    out.push({
      table, rows,
      timestampColumns: new Set(stamps.filter((s) => s.table_name === table).map((s) => s.column_name)),
      primaryKey: own.find((k) => k.type === "p")?.columns ?? [],
      uniqueKeys: own.map((k) => k.columns),
    });
  }
  return out;
}
