// DAO row → the Admin API's JSON for one Kong version: every schema field in schema order, nulls
// included, foreign keys as `{"id": …}`, internal columns (ws_id, cache_key, ttl) left out; values a
// row written by another version lacks read as this version's defaults, as Kong's select does.
import { apiFieldsFor, entityFor, valueOnRead } from "../../catalogue/entities.ts";
import type { EntityTable, Row } from "../../db/types.ts";
import { configOnRead } from "./plugin-schemas.ts";

export function toApi(version: string, table: EntityTable, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fd of apiFieldsFor(version, table)) {
    const v = valueOnRead(fd, version, row[fd.column]);
    if (fd.type === "foreign") out[fd.name] = typeof v === "string" ? { id: v } : null;
    else out[fd.name] = v === undefined ? null : v;
  }
  if (table === "plugins" && typeof row.name === "string") out.config = configOnRead(version, row.name, out.config);
  return out;
}

/** The alternate key `/{collection}/{key}` accepts besides the id (the schema's endpoint_key). */
export function apiKeyOf(table: EntityTable): string | undefined {
  return entityFor("0.0.0", table).endpointKey;
}
