// A data fingerprint of a Kong datastore, read directly: per entity table the row count, one hash
// of every row's configuration (timestamps left out), each row's per-column hashes keyed by its
// primary key (so a comparison can name the row and the column that differ) and the values of its
// unique keys. Two datastores seeded the same way and migrated the same way have equal fingerprints.
import { createHash } from "node:crypto";
import type { DataFingerprint, TableFingerprint } from "../checks/records.ts";
import { readCassandraTables } from "./fingerprint-cassandra.ts";
import { readPostgresTables } from "./fingerprint-postgres.ts";
import type { StartedCassandraDatastore } from "./cassandra.ts";
import type { StartedPostgresDatastore } from "./postgres.ts";
import type { StartedDatastore } from "./types.ts";

export type { DataFingerprint, TableFingerprint };

/** Bookkeeping, counters and events: not entities, and legitimately different between two runs. */
export const NON_ENTITY_TABLES: ReadonlySet<string> = new Set([
  "schema_meta", "locks", "cluster_events", "ratelimiting_metrics", "response_ratelimiting_metrics", "cluster_ca",
  "clustering_data_planes", "sessions", "oauth2_tokens", "oauth2_authorization_codes",
]);

/** Past this many rows a table keeps only its counts, hash and unique keys (no per-row detail). */
export const ROW_DETAIL_LIMIT = 5_000;

/** One table as read: column names, the timestamp columns to leave out, its key columns and unique keys. */
export interface TableRead {
  readonly table: string;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly timestampColumns: ReadonlySet<string>;
  readonly primaryKey: readonly string[];
  /** Each unique key as its column list (a primary key counts as one). */
  readonly uniqueKeys: readonly (readonly string[])[];
}

/** Driver values (dates, buffers, UUID and Long objects, Maps, sets) as plain JSON, keys sorted. */
export function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString("hex");
  if (v instanceof Map) return canonical(Object.fromEntries(v));
  if (v instanceof Set) return [...v].map(canonical).sort();
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto !== Object.prototype && proto !== null && typeof (v as { toString?: unknown }).toString === "function") return String(v);
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]));
  }
  return v;
}

const hash = (s: string, n = 16): string => createHash("sha256").update(s).digest("hex").slice(0, n);
const text = (v: unknown): string => JSON.stringify(canonical(v));

export function tableFingerprint(t: TableRead): TableFingerprint {
  const columns = Object.keys(t.rows[0] ?? {}).filter((c) => !t.timestampColumns.has(c)).sort();
  const rowKey = (r: Readonly<Record<string, unknown>>): string =>
    t.primaryKey.length > 0 ? t.primaryKey.map((c) => text(r[c])).join("|") : hash(text(r));
  const detail: Record<string, Record<string, string>> = {};
  const rowHashes: string[] = [];
  for (const r of t.rows) {
    const cols = Object.fromEntries(columns.map((c) => [c, hash(text(r[c]), 12)]));
    rowHashes.push(`${rowKey(r)}=${hash(text(cols))}`);
    if (t.rows.length <= ROW_DETAIL_LIMIT) detail[rowKey(r)] = cols;
  }
  const uniqueKeys: Record<string, string[]> = {};
  for (const key of t.uniqueKeys) {
    const values = t.rows
      .map((r) => key.map((c) => r[c]))
      .filter((vs) => vs.some((v) => v !== null && v !== undefined))
      .map((vs) => (vs.length === 1 ? String(canonical(vs[0])) : text(vs)));
    uniqueKeys[key.join(",")] = values.sort();
  }
  return { rows: t.rows.length, configHash: hash(rowHashes.sort().join("\n")), uniqueKeys, ...(t.rows.length <= ROW_DETAIL_LIMIT ? { detail } : {}) };
}

/** The fingerprint of every entity table of the datastore Kong uses (its schema or keyspace). */
export async function dataFingerprint(ds: StartedDatastore): Promise<DataFingerprint> {
  const reads = ds.strategy === "postgres" ? await readPostgresTables(ds as StartedPostgresDatastore) : await readCassandraTables(ds as StartedCassandraDatastore);
  const tables: Record<string, TableFingerprint> = {};
  for (const t of reads.filter((r) => !NON_ENTITY_TABLES.has(r.table)).sort((a, b) => a.table.localeCompare(b.table))) tables[t.table] = tableFingerprint(t);
  return { strategy: ds.strategy, tables };
}
