// Row values between the DAO's conventions (catalogue/entities.ts: uuid strings, epoch seconds,
// arrays, plain-object records) and Kong's Cassandra columns (uuid, timestamp in ms, set/list,
// records as JSON text, routes.headers as map<text, frozen<set<text>>>), plus the 2.1+ workspace
// prefix of unique fields (kong/db/strategies/cassandra/init.lua serialize_arg/deserialize_row).
import type { FieldDef } from "../../catalogue/entities.ts";
import type { EntityTable } from "../types.ts";

type Value = unknown;

/** Columns Kong's Cassandra schema does not have: TTLs are Cassandra row TTLs there, not columns. */
export const cassandraColumns = (fields: readonly FieldDef[]): FieldDef[] => fields.filter((fd) => fd.column !== "ttl");

/** `unique` and not `unique_across_ws`: stored as `<ws_id>:<value>` from 2.1 on. */
export const wsUnique = (fd: FieldDef): boolean => fd.unique === true && !fd.internal && fd.type === "string";

const isMap = (fd: FieldDef): boolean => fd.column === "headers";

export function encode(fd: FieldDef, v: Value, wsId: string | null): Value {
  if (v === undefined || v === null) return null;
  if (fd.type === "timestamp") return new Date(Math.round(Number(v) * 1000));
  if (fd.type === "record") return isMap(fd) ? v : JSON.stringify(v);
  if (wsId && wsUnique(fd)) return `${wsId}:${String(v)}`;
  return v;
}

const plain = (v: Value): Value => {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date) return v;
  if (typeof v === "object") {
    const o = v as { constructor?: { name?: string }; toString(): string };
    // Uuid, TimeUuid, Long, BigDecimal, InetAddress: the driver's value classes.
    if (o.constructor?.name === "Long") return Number(o.toString());
    if (["Uuid", "TimeUuid", "InetAddress", "BigDecimal"].includes(o.constructor?.name ?? "")) return o.toString();
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  }
  return v;
};

/** A stored `<uuid>:<value>` shows as `<value>` (byte 37 is ':'), whatever the workspace. */
export function stripWs(v: string): string {
  return v.length > 37 && v[36] === ":" && /^[0-9a-f-]{36}$/i.test(v.slice(0, 36)) ? v.slice(37) : v;
}

export function decode(table: EntityTable, fd: FieldDef, raw: Value, stripsWs: boolean): Value {
  const v = plain(raw);
  if (v === null) return null;
  if (fd.type === "timestamp" && v instanceof Date) {
    const s = v.getTime() / 1000;
    return table === "targets" && fd.column === "created_at" ? Math.round(s * 1000) / 1000 : Math.floor(s);
  }
  if (fd.type === "record" && typeof v === "string") {
    try { return JSON.parse(v) as Value; } catch { return v; }
  }
  if (stripsWs && wsUnique(fd) && typeof v === "string") return stripWs(v);
  return v;
}
