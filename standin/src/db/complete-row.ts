// What Kong's DAO fills in on every strategy: created_at/updated_at (targets with milliseconds)
// and, from 2.1, the workspace id.
import type { FieldDef } from "../catalogue/entities.ts";
import { DEFAULT_WS_ID } from "../migrations/core-ddl.ts";
import type { EntityTable, Row } from "./types.ts";

export function completeRow(fields: readonly FieldDef[], table: EntityTable, row: Row, isInsert: boolean, wsId: string = DEFAULT_WS_ID): Row {
  const now = table === "targets" ? Date.now() / 1000 : Math.floor(Date.now() / 1000);
  const out: Row = { ...row };
  for (const fd of fields) {
    if (fd.auto === "created" && isInsert && out[fd.column] == null) out[fd.column] = now;
    if (fd.auto === "updated" && out[fd.column] == null) out[fd.column] = now;
    if (fd.column === "ws_id" && out.ws_id == null && isInsert) out.ws_id = wsId;
  }
  return out;
}
