// Migrations as data: each step is a small operation the Postgres renderer turns into SQL (and that a
// Cassandra renderer can turn into CQL later; `sql` steps carry a slot per strategy). Keeping the
// steps structured also lets a unit test compute the columns each version's schema has.

export type ColumnDef = readonly [name: string, pgType: string];

export type Op =
  | { readonly kind: "createTable"; readonly table: string; readonly columns: readonly ColumnDef[]; readonly constraints?: readonly string[] }
  | { readonly kind: "addColumn"; readonly table: string; readonly column: ColumnDef }
  | { readonly kind: "dropColumn"; readonly table: string; readonly column: string }
  | { readonly kind: "dropTable"; readonly table: string }
  /** Data changes and anything not structural. `cassandra` is the slot for the CQL equivalent. */
  | { readonly kind: "sql"; readonly postgres: string; readonly cassandra?: string };

export interface MigrationDdl {
  readonly up: readonly Op[];
  /** Present exactly for migrations whose teardown exists on Postgres (catalogue/teardowns.ts). */
  readonly teardown?: readonly Op[];
}

export const table = (name: string, columns: readonly ColumnDef[], constraints?: readonly string[]): Op => ({ kind: "createTable", table: name, columns, constraints });
export const add = (tableName: string, name: string, pgType: string): Op => ({ kind: "addColumn", table: tableName, column: [name, pgType] });
export const sql = (postgres: string): Op => ({ kind: "sql", postgres });

export interface RenderOptions {
  /** Fault `migration-not-rerunnable`: DDL without IF [NOT] EXISTS, like a hand-written migration. */
  readonly strict?: boolean;
}

/** Postgres text of a list of ops; Kong runs a migration's `up` as one string in one transaction. */
export function renderPostgres(ops: readonly Op[], opts: RenderOptions = {}): string {
  const ine = opts.strict ? "" : " IF NOT EXISTS";
  const ie = opts.strict ? "" : " IF EXISTS";
  return ops.map((op) => {
    switch (op.kind) {
      case "createTable":
        return `CREATE TABLE${ine} "${op.table}" (\n  ${[...op.columns.map(([n, t]) => `"${n}" ${t}`), ...(op.constraints ?? [])].join(",\n  ")}\n);`;
      case "addColumn":
        return `ALTER TABLE IF EXISTS ONLY "${op.table}" ADD COLUMN${ine} "${op.column[0]}" ${op.column[1]};`;
      case "dropColumn":
        return `ALTER TABLE IF EXISTS ONLY "${op.table}" DROP COLUMN${ie} "${op.column}";`;
      case "dropTable":
        return `DROP TABLE${ie} "${op.table}" CASCADE;`;
      case "sql":
        return op.postgres.trim();
    }
  }).join("\n");
}

/** The columns of every table after applying ops in order (types dropped: names are what a SELECT needs). */
export function applyToSchema(schema: Map<string, Set<string>>, ops: readonly Op[]): void {
  for (const op of ops) {
    if (op.kind === "createTable" && !schema.has(op.table)) schema.set(op.table, new Set(op.columns.map(([n]) => n)));
    else if (op.kind === "addColumn") schema.get(op.table)?.add(op.column[0]);
    else if (op.kind === "dropColumn") schema.get(op.table)?.delete(op.column);
    else if (op.kind === "dropTable") schema.delete(op.table);
  }
}
