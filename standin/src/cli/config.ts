// `kong config db_export [file]` and `kong config db_import <file>` (kong/cmd/config.lua,
// kong/db/declarative): YAML with `_format_version`, `_transform: false` and one key per entity
// table in dependency order; import upserts by primary key and deletes nothing.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { apiFieldsFor, atLeast, entityFor } from "../catalogue/entities.ts";
import type { EntityDao, EntityTable, Row } from "../db/types.ts";
import { DEFAULT_WS_ID } from "../migrations/core-ddl.ts";
import { cacheKeyFormat, pluginCacheKey } from "../node/cache-keys.ts";
import type { Args } from "./args.ts";
import { connect, kongEnv } from "./context.ts";
import { KongCliError, UsageError, type Log } from "./log.ts";

/** Dependency order: a table comes after every table it references. */
export const EXPORT_ORDER: readonly EntityTable[] = ["services", "routes", "consumers", "plugins", "upstreams", "targets", "keyauth_credentials",
  "basicauth_credentials", "acls", "jwt_secrets"];

/** Credential tables a version leaves out of db_export: basic-auth's (`db_export = false`) before 2.1. */
const notExported = (version: string, table: EntityTable): boolean => table === "basicauth_credentials" && !atLeast(version, "2.1.0");

const CONFIG_USAGE = `Usage: kong config COMMAND [OPTIONS]

Use declarative configuration files with Kong.

The available commands are:
  db_import <file>                    Import a declarative config file into
                                      the Kong database.

  db_export [<file>]                  Export the Kong database into a
                                      declarative config file.
`;

function toApi(version: string, table: EntityTable, row: Row): Row {
  const out: Row = {};
  for (const fd of apiFieldsFor(version, table)) out[fd.name] = row[fd.column] ?? null;
  return out;
}

/** Fault switch (standin/README.md): the export leaves out the rows created in the `for` ms (default 1000) before the newest row. */
const EXPORT_MISSES_RECENT = "export-misses-recent";

/** `created_at` in seconds since the epoch (stored as seconds, a Date or a timestamp string). */
function createdAtS(row: Row): number {
  const v = row.created_at;
  if (typeof v === "number") return v;
  const t = v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : NaN;
  return t / 1000;
}

/**
 * `missesLastS`: switch `export-misses-recent` leaves out the rows created in the last
 * `missesLastS` seconds before the newest row of any table, as an export read at
 * `cassandra_read_consistency` (ONE by default) from a replica that was down while they were
 * written, and has not received them yet (hints not replayed, no repair), would.
 */
async function exportAll(dao: EntityDao, version: string, formatVersion: string, missesLastS?: number): Promise<string> {
  const doc: Record<string, unknown> = { _format_version: formatVersion, _transform: false };
  const tables: Array<[EntityTable, Row[]]> = [];
  for (const table of EXPORT_ORDER) {
    if (notExported(version, table)) continue;
    tables.push([table, await dao.all(table).catch((e: unknown) => {
      // A plugin table whose migrations never ran (plugin not enabled) is simply absent.
      if (/does not exist|unconfigured table/i.test((e as Error).message) && entityFor(version, table).subsystem !== "core") return [];
      throw e;
    })]);
  }
  const newest = Math.max(...tables.flatMap(([, rows]) => rows.map(createdAtS)));
  for (const [table, all] of tables) {
    const rows = missesLastS === undefined ? all : all.filter((r) => !(createdAtS(r) >= newest - missesLastS));
    if (rows.length > 0) doc[table] = rows.map((r) => toApi(version, table, r));
  }
  return stringify(doc, { nullStr: "null" });
}

/** UUID v5 (SHA-1) in Kong's namespace-less use: deterministic ids for entities without one. */
function uuidV5(name: string): string {
  const h = createHash("sha1").update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function fromApi(version: string, table: EntityTable, entity: Row): Row {
  const def = entityFor(version, table);
  const row: Row = {};
  for (const fd of def.fields.filter((f) => !f.internal)) {
    const v = entity[fd.name];
    if (v === undefined) continue;
    row[fd.column] = fd.type === "foreign" && v !== null && typeof v === "object" ? (v as Row).id : v;
  }
  if (row.id == null) {
    const key = def.endpointKey ? entity[def.endpointKey] : undefined;
    row.id = key == null ? randomUUID() : uuidV5(`${table}:${String(key)}`);
  }
  // The DAO derives plugins' cache_key on every write; the import goes through it the same way.
  if (table === "plugins" && def.fields.some((f) => f.column === "cache_key")) {
    row.cache_key = pluginCacheKey(cacheKeyFormat(version, DEFAULT_WS_ID), row);
  }
  // acls store their composite cache key (consumer, group) the same way.
  if (table === "acls" && typeof row.consumer_id === "string") {
    row.cache_key = cacheKeyFormat(version, atLeast(version, "2.1.0") ? DEFAULT_WS_ID : null)("acls", row.consumer_id, String(row.group));
  }
  return row;
}

function parseFile(file: string, accepted: readonly string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new KongCliError(`Failed parsing:\n${(e as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (!accepted.includes(String(d._format_version))) {
    problems.push(`in '_format_version': expected one of: ${accepted.join(", ")}`);
  }
  for (const key of Object.keys(d)) {
    if (!key.startsWith("_") && !EXPORT_ORDER.includes(key as EntityTable)) problems.push(`in '${key}': unknown field`);
  }
  if (problems.length > 0) throw new KongCliError(`Failed parsing:\n${problems.join("\n")}`);
  return d;
}

export async function configCommand(args: Args, env: NodeJS.ProcessEnv, log: Log): Promise<number> {
  const sub = args.positional[1];
  if (sub !== "db_export" && sub !== "db_import") throw new UsageError(sub === undefined ? CONFIG_USAGE : `No such command for config: ${sub}\n\n${CONFIG_USAGE}`);
  const k = kongEnv(env, args);
  if (k.config.database === "off") throw new KongCliError(`'kong config ${sub}' only works with a database.`);
  if (sub === "db_export") {
    const file = args.positional[2] ?? "kong.yml";
    if (existsSync(file)) throw new KongCliError(`${file} already exists. Will not overwrite it.`);
    const ds = await connect(k);
    try {
      const misses = k.faults.active(EXPORT_MISSES_RECENT);
      writeFileSync(file, await exportAll(ds.entities, k.cat.version, k.cat.formatVersion, misses ? (misses.forMs ?? 1_000) / 1000 : undefined));
    } finally {
      await ds.close().catch(() => undefined);
    }
    return 0;
  }
  const file = args.positional[2];
  if (!file) throw new UsageError(`Error: missing argument: file\n\n${CONFIG_USAGE}`);
  const doc = parseFile(file, k.cat.importFormats);
  log.info("parse successful, beginning import");
  const ds = await connect(k);
  try {
    for (const table of EXPORT_ORDER) {
      for (const entity of (doc[table] as Row[] | undefined) ?? []) {
        await ds.entities.upsert(table, fromApi(k.cat.version, table, entity))
          .catch((e: unknown) => { throw new KongCliError(`Failed importing:\n${(e as Error).message}`); });
      }
    }
  } finally {
    await ds.close().catch(() => undefined);
  }
  log.info("import successful");
  return 0;
}
