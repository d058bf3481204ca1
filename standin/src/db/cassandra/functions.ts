// The Lua functions of Kong's Cassandra migrations (up_f and teardown), as `@name args` statements in
// the migration's CQL text. Each mirrors the Kong function named in its comment; none is more than a
// row-by-row rewrite, because CQL cannot express them as one statement.
import { DEFAULT_WS_ID } from "../../migrations/core-ddl.ts";
import type { CassConnection } from "./connection.ts";

/** Tables Kong's Cassandra schema keys by (partition = '<table>', id). */
export const PARTITIONED = new Set(["services", "routes", "certificates", "snis", "ca_certificates"]);

type Row = Record<string, unknown>;
const where = (table: string): string => (PARTITIONED.has(table) ? `partition = '${table}' AND id = ?` : "id = ?");
const str = (v: unknown): string => String(v);

async function* rows(conn: CassConnection, cql: string): AsyncGenerator<Row> {
  const rs = await conn.execute(cql, [], { fetchSize: 1000, prepare: false });
  for await (const r of rs) yield r as Row;
}

/** operations/200_to_210.lua cassandra_ensure_default_ws: the default workspace is created by the teardown on Cassandra. */
async function ensureDefaultWs(conn: CassConnection): Promise<string> {
  const found = await conn.execute("SELECT id FROM workspaces WHERE name = 'default'", [], { prepare: false });
  if (found.rowLength > 0) return str(found.first().get("id"));
  await conn.execute("INSERT INTO workspaces(id, name, created_at) VALUES (?, 'default', ?)", [DEFAULT_WS_ID, new Date()]);
  return DEFAULT_WS_ID;
}

/** ws_update_keys: rows without ws_id join the default workspace; their unique fields become `<ws_id>:<value>`. */
async function wsKeys(conn: CassConnection, table: string, uniques: readonly string[]): Promise<void> {
  const ws = await ensureDefaultWs(conn);
  for await (const r of rows(conn, `SELECT * FROM ${table}`)) {
    if (r.ws_id != null) continue;
    const sets = ["ws_id = ?", ...uniques.filter((u) => r[u] != null).map((u) => `${u} = ?`)];
    const vals = [ws, ...uniques.filter((u) => r[u] != null).map((u) => `${ws}:${str(r[u])}`)];
    await conn.execute(`UPDATE ${table} SET ${sets.join(", ")} WHERE ${where(table)}`, [...vals, str(r.id)]);
  }
}

/** ws_update_composite_cache_key: cache keys ending in ':' gain the default workspace id. */
async function wsCacheKey(conn: CassConnection, table: string): Promise<void> {
  const ws = await ensureDefaultWs(conn);
  for await (const r of rows(conn, `SELECT id, cache_key FROM ${table}`)) {
    if (typeof r.cache_key === "string" && r.cache_key.endsWith(":")) {
      await conn.execute(`UPDATE ${table} SET cache_key = ? WHERE ${where(table)}`, [`${r.cache_key}:${ws}`, str(r.id)]);
    }
  }
}

async function updatePluginConfigs(conn: CassConnection, name: string, fix: (c: Row) => boolean): Promise<void> {
  for await (const r of rows(conn, "SELECT id, name, config FROM plugins")) {
    if (r.name !== name || typeof r.config !== "string") continue;
    const config = JSON.parse(r.config) as Row;
    if (fix(config)) await conn.execute("UPDATE plugins SET config = ? WHERE id = ?", [JSON.stringify(config), str(r.id)]);
  }
}

/** 2.1's ip-restriction/bot-detection/acl fixup_plugin_config: whitelist/blacklist become allow/deny. */
const renameConfig = (conn: CassConnection, plugin: string): Promise<void> => updatePluginConfigs(conn, plugin, (c) => {
  if (!("whitelist" in c) && !("blacklist" in c)) return false;
  c.allow = c.whitelist ?? null; c.deny = c.blacklist ?? null;
  delete c.whitelist; delete c.blacklist;
  return true;
});

/** 012_213_to_220 c_remove_unused_targets: keep only the newest row per (upstream, target). */
async function dedupeTargets(conn: CassConnection): Promise<void> {
  const groups = new Map<string, Array<{ id: string; at: number }>>();
  for await (const r of rows(conn, "SELECT id, upstream_id, target, created_at FROM targets")) {
    const k = `${str(r.upstream_id)}:${str(r.target)}`;
    groups.set(k, [...(groups.get(k) ?? []), { id: str(r.id), at: (r.created_at as Date | null)?.getTime() ?? 0 }]);
  }
  for (const g of groups.values()) {
    for (const old of g.sort((a, b) => b.at - a.at).slice(1)) await conn.execute("DELETE FROM targets WHERE id = ?", [old.id]);
  }
}

/** 005_120_to_130 teardown: upstreams without an algorithm get one from hash_on. */
async function upstreamAlgorithm(conn: CassConnection): Promise<void> {
  for await (const r of rows(conn, "SELECT id, algorithm, hash_on FROM upstreams")) {
    if (typeof r.algorithm === "string" && r.algorithm !== "") continue;
    await conn.execute("UPDATE upstreams SET algorithm = ? WHERE id = ?", [r.hash_on === "none" ? "round-robin" : "consistent-hashing", str(r.id)]);
  }
}

/** 007_140_to_150 teardown: routes without a valid path_handling get 'v1'. */
async function pathHandling(conn: CassConnection): Promise<void> {
  for await (const r of rows(conn, "SELECT id, path_handling FROM routes")) {
    if (r.path_handling !== "v0" && r.path_handling !== "v1") await conn.execute(`UPDATE routes SET path_handling = 'v1' WHERE ${where("routes")}`, [str(r.id)]);
  }
}

/** 016_280_to_300 up_f: regex paths get the `~` prefix (old 2.8.0/2.8.1 routers then misread them). */
async function regexPaths(conn: CassConnection): Promise<void> {
  const isRegex = (p: string): boolean => /[[\](){}*+?^$|\\]/.test(p) && !p.startsWith("~");
  for await (const r of rows(conn, "SELECT id, paths FROM routes")) {
    const paths = (r.paths as string[] | null) ?? [];
    if (paths.some(isRegex)) await conn.execute(`UPDATE routes SET paths = ? WHERE ${where("routes")}`, [paths.map((p) => (isRegex(p) ? `~${p}` : p)), str(r.id)]);
  }
}

/** 016_280_to_300 teardown: targets get their 3.0 cache_key. */
async function targetsCacheKey(conn: CassConnection): Promise<void> {
  for await (const r of rows(conn, "SELECT id, upstream_id, target, ws_id, cache_key FROM targets")) {
    if (r.cache_key != null) continue;
    await conn.execute("UPDATE targets SET cache_key = ? WHERE id = ?", [`targets:${str(r.upstream_id)}:${str(r.target)}::::${str(r.ws_id ?? DEFAULT_WS_ID)}`, str(r.id)]);
  }
}

/** http-log 001_280_to_300 teardown: header values become plain strings. */
const httpLogHeaders = (conn: CassConnection): Promise<void> => updatePluginConfigs(conn, "http-log", (c) => {
  const h = c.headers as Record<string, unknown> | null | undefined;
  if (!h || typeof h !== "object") return false;
  for (const [k, v] of Object.entries(h)) if (Array.isArray(v)) h[k] = v[0];
  return true;
});

/** pre-/post-function 001_280_to_300 up_f: the 2.x `functions` list also becomes the `access` phase. */
const functionsToAccess = (conn: CassConnection, plugin: string): Promise<void> => updatePluginConfigs(conn, plugin, (c) => {
  if (!Array.isArray(c.functions) || c.functions.length === 0) return false;
  c.access = c.functions;
  return true;
});

/** pre-/post-function 001_280_to_300 teardown: `functions` is removed. */
const dropFunctions = (conn: CassConnection, plugin: string): Promise<void> => updatePluginConfigs(conn, plugin, (c) => {
  if (!Array.isArray(c.functions) || c.functions.length === 0) return false;
  delete c.functions;
  return true;
});

/** lua-cassandra names a server error by its protocol code (`[Invalid] table vaults does not exist`). */
export function luaCassandraError(e: unknown): string {
  const err = e as { code?: number; message?: string };
  const names: Readonly<Record<number, string>> = { 0x2000: "Syntax error", 0x2100: "Unauthorized", 0x2200: "Invalid", 0x2300: "Config error", 0x2400: "Already exists" };
  const name = err.code === undefined ? undefined : names[err.code];
  return name ? `[${name}] ${err.message ?? ""}` : err.message ?? String(e);
}

/**
 * 016_280_to_300 up_f (c_copy_vaults_to_vault_auth_vaults, c_copy_vaults_beta_to_sm_vaults): rows of
 * the old table are copied to the new one. A missing old table (`vaults` never exists outside
 * Enterprise) is logged and ignored, as Kong does.
 */
async function copyTable(conn: CassConnection, from: string, to: string, warn: (msg: string) => void): Promise<void> {
  let found: Row[];
  try {
    found = [];
    for await (const r of rows(conn, `SELECT * FROM ${from}`)) found.push(r);
  } catch (e) {
    warn(`ignored error while running '016_280_to_300' migration: ${luaCassandraError(e)}`);
    return;
  }
  for (const r of found) {
    const cols = Object.keys(r);
    await conn.execute(`INSERT INTO ${to} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, cols.map((c) => r[c]), { prepare: true });
  }
}

export async function runFunction(conn: CassConnection, stmt: string, warn: (msg: string) => void = () => undefined): Promise<void> {
  const [name, ...args] = stmt.slice(1).trim().split(/\s+/);
  switch (name) {
    case "ws-keys": return wsKeys(conn, args[0]!, args.slice(1));
    case "ws-cache-key": return wsCacheKey(conn, args[0]!);
    case "rename-config": return renameConfig(conn, args[0]!);
    case "dedupe-targets": return dedupeTargets(conn);
    case "upstream-algorithm": return upstreamAlgorithm(conn);
    case "path-handling": return pathHandling(conn);
    case "regex-paths": return regexPaths(conn);
    case "targets-cache-key": return targetsCacheKey(conn);
    case "http-log-headers": return httpLogHeaders(conn);
    case "copy-table": return copyTable(conn, args[0]!, args[1]!, warn);
    case "functions-to-access": return functionsToAccess(conn, args[0]!);
    case "drop-functions": return dropFunctions(conn, args[0]!);
    default: throw new Error(`unknown migration function @${name ?? ""}`);
  }
}
