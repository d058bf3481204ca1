// EntityDao on Postgres with the running version's explicit column lists (catalogue/entities.ts),
// like Kong's Postgres strategy: a column a newer teardown dropped fails the read with
// `[postgres] ERROR: column "run_on" does not exist`; columns a newer version added are not selected.
import type pg from "pg";
import { entityFor, type FieldDef } from "../../catalogue/entities.ts";
import { DEFAULT_WS_ID } from "../../migrations/core-ddl.ts";
import { completeRow } from "../complete-row.ts";
import { ForeignKeyViolation, UniqueViolation, type EntityDao, type EntityTable, type Page, type Row } from "../types.ts";
import { PgStrategyError } from "./connection.ts";

const q = (c: string): string => `"${c}"`;

function selectExpr(fd: FieldDef, table: EntityTable): string {
  if (fd.type !== "timestamp" || fd.internal) return q(fd.column);
  // Epoch seconds: integers, except targets which keep milliseconds (Kong shows a float there).
  return table === "targets" && fd.column === "created_at"
    ? `ROUND(EXTRACT(EPOCH FROM ${q(fd.column)})::numeric, 3)::float8 AS ${q(fd.column)}`
    : `FLOOR(EXTRACT(EPOCH FROM ${q(fd.column)}))::bigint AS ${q(fd.column)}`;
}

function toParam(fd: FieldDef, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (fd.type === "record") return JSON.stringify(v);
  if (fd.pgType.startsWith("JSONB[]")) return (v as unknown[]).map((x) => JSON.stringify(x));
  return v;
}

const placeholder = (fd: FieldDef, i: number): string =>
  fd.type === "timestamp" && !fd.internal ? `TO_TIMESTAMP($${i})` : `$${i}`;

function translate(e: unknown, table: EntityTable, row: Row): never {
  const err = e as { code?: string; constraint?: string; detail?: string };
  if (err.code === "23505") {
    const m = /Key \("?([a-z_]+)"?\)=\((.*)\)/.exec(err.detail ?? "");
    const field = m?.[1]?.replace(/_id$/, "") ?? "id";
    throw new UniqueViolation(table, { [field]: row[m?.[1] ?? "id"] ?? m?.[2] });
  }
  if (err.code === "23503") {
    const m = /Key \("?([a-z_]+)"?\)=\((.*)\)/.exec(err.detail ?? "");
    const col = m?.[1] ?? "";
    throw new ForeignKeyViolation(table, { [col.replace(/_id$/, "")]: { id: m?.[2] ?? row[col] } });
  }
  throw new PgStrategyError(e);
}

export class PgEntityDao implements EntityDao {
  constructor(private readonly pool: pg.Pool, private readonly version: string) {}

  private fields(table: EntityTable): readonly FieldDef[] { return entityFor(this.version, table).fields; }
  private selectList(table: EntityTable): string { return this.fields(table).map((fd) => selectExpr(fd, table)).join(", "); }

  private async query(text: string, params: unknown[], table: EntityTable, row: Row = {}): Promise<Row[]> {
    try {
      return (await this.pool.query(text, params)).rows as Row[];
    } catch (e) {
      return translate(e, table, row);
    }
  }

  async select(table: EntityTable, id: string): Promise<Row | null> {
    return this.selectBy(table, "id", id);
  }

  async selectBy(table: EntityTable, field: string, value: unknown): Promise<Row | null> {
    const rows = await this.query(`SELECT ${this.selectList(table)} FROM ${q(table)} WHERE ${q(field)} = $1 LIMIT 1`, [value], table);
    return rows[0] ?? null;
  }

  async page(table: EntityTable, opts: { size: number; offset?: string; where?: Readonly<Record<string, unknown>> }): Promise<Page> {
    const conds: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(opts.where ?? {})) { params.push(v); conds.push(`${q(k)} = $${params.length}`); }
    if (opts.offset) { params.push(Buffer.from(opts.offset, "base64url").toString()); conds.push(`"id" > $${params.length}`); }
    params.push(opts.size + 1);
    const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
    const rows = await this.query(`SELECT ${this.selectList(table)} FROM ${q(table)} ${where} ORDER BY "id" LIMIT $${params.length}`, params, table);
    if (rows.length <= opts.size) return { rows };
    const page = rows.slice(0, opts.size);
    return { rows: page, offset: Buffer.from(String(page[page.length - 1]!.id)).toString("base64url") };
  }

  async defaultWorkspaceId(): Promise<string | null> {
    try {
      const rows = (await this.pool.query(`SELECT "id" FROM "workspaces" WHERE "name" = 'default'`)).rows as Row[];
      return rows[0] ? String(rows[0].id) : null;
    } catch (e) {
      throw new PgStrategyError(e);
    }
  }

  async all(table: EntityTable): Promise<Row[]> {
    return this.query(`SELECT ${this.selectList(table)} FROM ${q(table)} ORDER BY "id"`, [], table);
  }

  private complete(table: EntityTable, row: Row, isInsert: boolean): Row {
    return completeRow(this.fields(table), table, row, isInsert, DEFAULT_WS_ID);
  }

  async insert(table: EntityTable, row: Row): Promise<Row> {
    const full = this.complete(table, row, true);
    const fds = this.fields(table).filter((fd) => full[fd.column] !== undefined);
    const sqlText = `INSERT INTO ${q(table)} (${fds.map((fd) => q(fd.column)).join(", ")}) VALUES (${fds.map((fd, i) => placeholder(fd, i + 1)).join(", ")})
      RETURNING ${this.selectList(table)}`;
    const rows = await this.query(sqlText, fds.map((fd) => toParam(fd, full[fd.column])), table, full);
    return rows[0]!;
  }

  async update(table: EntityTable, id: string, patch: Row): Promise<Row | null> {
    const full = this.complete(table, patch, false);
    const fds = this.fields(table).filter((fd) => fd.column !== "id" && full[fd.column] !== undefined);
    if (fds.length === 0) return this.select(table, id);
    const sets = fds.map((fd, i) => `${q(fd.column)} = ${placeholder(fd, i + 2)}`).join(", ");
    const rows = await this.query(`UPDATE ${q(table)} SET ${sets} WHERE "id" = $1 RETURNING ${this.selectList(table)}`,
      [id, ...fds.map((fd) => toParam(fd, full[fd.column]))], table, full);
    return rows[0] ?? null;
  }

  async upsert(table: EntityTable, row: Row): Promise<Row> {
    const full = this.complete(table, row, true);
    const fds = this.fields(table).filter((fd) => full[fd.column] !== undefined);
    const sets = fds.filter((fd) => fd.column !== "id" && fd.auto !== "created").map((fd) => `${q(fd.column)} = EXCLUDED.${q(fd.column)}`);
    const sqlText = `INSERT INTO ${q(table)} (${fds.map((fd) => q(fd.column)).join(", ")}) VALUES (${fds.map((fd, i) => placeholder(fd, i + 1)).join(", ")})
      ON CONFLICT ("id") DO ${sets.length ? `UPDATE SET ${sets.join(", ")}` : "NOTHING"} RETURNING ${this.selectList(table)}`;
    const rows = await this.query(sqlText, fds.map((fd) => toParam(fd, full[fd.column])), table, full);
    return rows[0] ?? (await this.select(table, String(full.id)))!;
  }

  async delete(table: EntityTable, id: string): Promise<void> {
    await this.query(`DELETE FROM ${q(table)} WHERE "id" = $1`, [id], table);
  }
}
