// `ttl` of key-auth credentials, the one entity of the stand-in whose schema says `ttl = true`
// (kong/plugins/key-auth/daos.lua, 1.5 to 3.0).
//
// Reads: Kong's Postgres strategy selects the column with every row
// (`FLOOR(EXTRACT(EPOCH FROM (ttl AT TIME ZONE 'UTC' - CURRENT_TIMESTAMP AT TIME ZONE 'UTC'))) AS ttl`,
// kong/db/strategies/postgres/init.lua), so every Admin API body of a credential carries `"ttl": null`
// when none was set. Cassandra keeps a TTL on the row and returns no such field.
//
// Writes: the Admin API moves `ttl` from the body into the DAO's options (kong/api/endpoints.lua,
// extract_options, for insert, update and upsert), and the DAO checks it first with
// `floor(options.ttl)` (kong/db/dao/init.lua, validate_options_value). A JSON null arrives there as
// ngx.null, a userdata, so floor raises and the Admin API answers 500. Hence the bug of every version
// on Postgres: PATCHing a credential with the body its own GET returned answers 500.
import { atLeast } from "../../catalogue/entities.ts";
import type { EntityTable, Row } from "../../db/types.ts";

/** Line of `if floor(options.ttl) ~= options.ttl` in kong/db/dao/init.lua at each version's tag. */
function floorLine(version: string): number {
  if (!atLeast(version, "2.0.0")) return 144;
  if (!atLeast(version, "2.1.0")) return 180;
  return atLeast(version, "3.0.0") ? 194 : 203;
}

/** Lua's type() of a decoded JSON value (cjson decodes null to ngx.null, a userdata). */
function luaType(v: unknown): string {
  if (v === null) return "userdata";
  if (Array.isArray(v) || typeof v === "object") return "table";
  return typeof v;
}

/**
 * The Lua error Kong raises for the `ttl` of a write, or null when floor accepts it. A number, or a
 * string Lua can read as one, passes floor; what Kong does with it next (an expiry) is not modelled,
 * and the write goes on as before.
 */
export function ttlFloorError(version: string, table: EntityTable, body: Readonly<Record<string, unknown>>): string | null {
  if (table !== "keyauth_credentials" || !("ttl" in body) || body.ttl === undefined) return null;
  const v = body.ttl;
  if (typeof v === "number" || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)))) return null;
  return `kong/db/dao/init.lua:${floorLine(version)}: bad argument #1 to 'floor' (number expected, got ${luaType(v)})`;
}

/** The Admin API body of a row with what the strategy reads back for `ttl`: seconds left, or null. */
export function withTtl(database: string, table: EntityTable, row: Row, api: Record<string, unknown>): Record<string, unknown> {
  if (table !== "keyauth_credentials" || database !== "postgres") return api;
  const expires = row.ttl instanceof Date ? row.ttl.getTime() : typeof row.ttl === "number" ? row.ttl * 1000 : null;
  return { ...api, ttl: expires === null ? null : Math.floor((expires - Date.now()) / 1000) };
}
