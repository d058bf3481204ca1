// EntityDao on Cassandra with Kong's layout (kong/db/strategies/cassandra/init.lua @2.1.4/@2.6.0):
// services and routes live in one partition per table (`partition = '<table>'`), the others are keyed
// by id; lookups by unique and foreign fields use the secondary indexes of the migrations. Each
// version selects exactly its own columns. From 2.1 on, unique fields are stored `<ws_id>:<value>`
// and listing filters by ws_id, so rows that 2.1's finish has not moved into the default workspace
// are invisible to the 2.1+ Admin API list and unique lookups, and 2.0 nodes read the prefixed values.
import { entityFor, type FieldDef } from "../../catalogue/entities.ts";
import { DEFAULT_WS_ID } from "../../migrations/core-ddl.ts";
import { completeRow } from "../complete-row.ts";
import { ForeignKeyViolation, type EntityDao, type EntityTable, type Page, type Row } from "../types.ts";
import { cassandraColumns, decode, encode } from "./codec.ts";
import { CassStrategyError, type CassConnection, type Params } from "./connection.ts";
import { PARTITIONED } from "./functions.ts";

/** on_delete = "cascade" references, which Kong's Cassandra DAO deletes itself. */
const CASCADES: Readonly<Partial<Record<EntityTable, ReadonlyArray<readonly [EntityTable, string]>>>> = {
  consumers: [["plugins", "consumer_id"], ["keyauth_credentials", "consumer_id"], ["basicauth_credentials", "consumer_id"], ["acls", "consumer_id"], ["jwt_secrets", "consumer_id"]],
  routes: [["plugins", "route_id"]],
  services: [["plugins", "service_id"]],
  upstreams: [["targets", "upstream_id"]],
};

/** acls.group: GROUP is a CQL keyword (GROUP BY), quoted where a column name is expected. */
const ident = (column: string): string => (column === "group" ? '"group"' : column);

export class CassEntityDao implements EntityDao {
  /** wsId: the default workspace of a 2.1+ version; null for 2.0 and older. */
  constructor(private readonly conn: CassConnection, private readonly version: string, private readonly wsId: string | null) {}

  private fields(table: EntityTable): FieldDef[] { return cassandraColumns(entityFor(this.version, table).fields); }
  private cols(table: EntityTable): string { return this.fields(table).map((fd) => ident(fd.column)).join(", "); }
  private part(table: EntityTable): string { return PARTITIONED.has(table) ? `partition = '${table}' AND ` : ""; }
  private field(table: EntityTable, column: string): FieldDef | undefined { return this.fields(table).find((fd) => fd.column === column); }

  private async run(cql: string, params: Params, opts: { fetchSize?: number; pageState?: string } = {}) {
    try {
      return await this.conn.execute(cql, params, { prepare: true, ...opts });
    } catch (e) {
      throw new CassStrategyError(e);
    }
  }

  private decodeRow(table: EntityTable, raw: Row): Row {
    const out: Row = {};
    for (const fd of this.fields(table)) out[fd.column] = decode(table, fd, raw[fd.column], this.wsId !== null);
    return out;
  }

  async select(table: EntityTable, id: string): Promise<Row | null> {
    const rs = await this.run(`SELECT ${this.cols(table)} FROM ${table} WHERE ${this.part(table)}id = ?`, [id]);
    return rs.rowLength > 0 ? this.decodeRow(table, rs.first() as unknown as Row) : null;
  }

  async selectBy(table: EntityTable, field: string, value: unknown): Promise<Row | null> {
    if (field === "id") return this.select(table, String(value));
    const fd = this.field(table, field);
    const arg = fd ? encode(fd, value, this.wsId) : value;
    const rs = await this.run(`SELECT ${this.cols(table)} FROM ${table} WHERE ${this.part(table)}${ident(field)} = ? ALLOW FILTERING`, [arg]);
    return rs.rowLength > 0 ? this.decodeRow(table, rs.first() as unknown as Row) : null;
  }

  /** Admin API lists: foreign-key filters as given; otherwise 2.1+ filter by the workspace (query_page). */
  async page(table: EntityTable, opts: { size: number; offset?: string; where?: Readonly<Record<string, unknown>> }): Promise<Page> {
    const where = Object.entries(opts.where ?? {});
    if (where.length === 0 && this.wsId && this.field(table, "ws_id")) where.push(["ws_id", this.wsId]);
    const conds = where.map(([k]) => `${ident(k)} = ?`);
    const filter = conds.length ? `${this.part(table)}${conds.join(" AND ")} ALLOW FILTERING` : PARTITIONED.has(table) ? `partition = '${table}'` : "";
    const rs = await this.run(`SELECT ${this.cols(table)} FROM ${table}${filter ? ` WHERE ${filter}` : ""}`,
      where.map(([, v]) => v), { fetchSize: opts.size, ...(opts.offset ? { pageState: Buffer.from(opts.offset, "base64url").toString("hex") } : {}) });
    const rows = rs.rows.map((r) => this.decodeRow(table, r as unknown as Row));
    return rs.pageState ? { rows, offset: Buffer.from(rs.pageState, "hex").toString("base64url") } : { rows };
  }

  async defaultWorkspaceId(): Promise<string | null> {
    const rs = await this.run("SELECT id FROM workspaces WHERE name = 'default'", []);
    return rs.rowLength > 0 ? String(rs.first().get("id")) : null;
  }

  /** Every row, as the router, plugins iterator and db_export read them (Kong's global `each`). */
  async all(table: EntityTable): Promise<Row[]> {
    const filter = PARTITIONED.has(table) ? ` WHERE partition = '${table}'` : "";
    const rs = await this.run(`SELECT ${this.cols(table)} FROM ${table}${filter}`, [], { fetchSize: 1000 });
    const out: Row[] = [];
    for await (const r of rs) out.push(this.decodeRow(table, r as unknown as Row));
    return out;
  }

  private complete(table: EntityTable, row: Row, isInsert: boolean): Row {
    return completeRow(this.fields(table), table, row, isInsert, this.wsId ?? DEFAULT_WS_ID);
  }

  private assignments(table: EntityTable, row: Row, skipCreated: boolean): { cols: string[]; vals: unknown[] } {
    const fds = this.fields(table).filter((fd) => fd.column !== "id" && row[fd.column] !== undefined && !(skipCreated && fd.auto === "created"));
    return { cols: fds.map((fd) => fd.column), vals: fds.map((fd) => encode(fd, row[fd.column], this.wsId)) };
  }

  async insert(table: EntityTable, row: Row): Promise<Row> {
    const full = this.complete(table, row, true);
    const { cols, vals } = this.assignments(table, full, false);
    const p = PARTITIONED.has(table);
    const names = [...(p ? ["partition"] : []), "id", ...cols];
    const args = [...(p ? [table] : []), full.id, ...vals];
    // Kong inserts with IF NOT EXISTS (a lightweight transaction).
    await this.run(`INSERT INTO ${table} (${names.map(ident).join(", ")}) VALUES (${names.map(() => "?").join(", ")}) IF NOT EXISTS`, args);
    return (await this.select(table, String(full.id)))!;
  }

  async update(table: EntityTable, id: string, patch: Row): Promise<Row | null> {
    const full = this.complete(table, patch, false);
    const { cols, vals } = this.assignments(table, full, true);
    if (cols.length === 0) return this.select(table, id);
    const rs = await this.run(`UPDATE ${table} SET ${cols.map((c) => `${ident(c)} = ?`).join(", ")} WHERE ${this.part(table)}id = ? IF EXISTS`, [...vals, id]);
    return rs.wasApplied() ? this.select(table, id) : null;
  }

  async upsert(table: EntityTable, row: Row): Promise<Row> {
    const existing = await this.select(table, String(row.id));
    const full = this.complete(table, row, existing === null);
    const { cols, vals } = this.assignments(table, full, existing !== null);
    if (cols.length > 0) await this.run(`UPDATE ${table} SET ${cols.map((c) => `${ident(c)} = ?`).join(", ")} WHERE ${this.part(table)}id = ?`, [...vals, full.id]);
    return (await this.select(table, String(full.id)))!;
  }

  async delete(table: EntityTable, id: string): Promise<void> {
    // routes reference services without cascade: Kong refuses to delete a referenced service.
    if (table === "services" && (await this.run(`SELECT id FROM routes WHERE partition = 'routes' AND service_id = ?`, [id])).rowLength > 0) {
      throw new ForeignKeyViolation("services", { routes: { id } });
    }
    for (const [child, column] of CASCADES[table] ?? []) {
      const rs = await this.run(`SELECT id FROM ${child} WHERE ${this.part(child)}${column} = ?`, [id]).catch(() => undefined);
      for (const r of rs?.rows ?? []) await this.delete(child, String(r.id));
    }
    await this.run(`DELETE FROM ${table} WHERE ${this.part(table)}id = ?`, [id]);
  }
}
