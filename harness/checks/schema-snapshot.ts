// A datastore schema as plain JSON (the lead's pg code takes it) and a pure diff of two of them.
// Drops, renames and retypes of tables and columns are destructive; everything else is reported.

export interface ColumnSnapshot { readonly type: string; readonly nullable: boolean; readonly default: string | null }
export interface ConstraintSnapshot { readonly name: string; /** p, u, f, c, x (pg contype) */ readonly type: string; readonly definition: string }
export interface IndexSnapshot { readonly name: string; readonly definition: string }
export interface TableSnapshot {
  readonly columns: Readonly<Record<string, ColumnSnapshot>>;
  readonly constraints: readonly ConstraintSnapshot[];
  readonly indexes: readonly IndexSnapshot[];
}
export interface Snapshot {
  readonly tables: Readonly<Record<string, TableSnapshot>>;
  readonly rowCounts: Readonly<Record<string, number>>;
}
/** Value of op "schema-snapshot" (process "datastore"): label like "before-up", "after-up", "after-finish". */
export interface SchemaSnapshotValue { readonly label: string; readonly snapshot: Snapshot }

export interface ColumnRef { readonly table: string; readonly column: string; readonly type: string }
export interface NamedChange { readonly table: string; readonly name: string; readonly before?: string; readonly after?: string }

export interface SchemaDiff {
  readonly tablesAdded: readonly string[];
  readonly tablesDropped: readonly string[];
  /** A dropped table and an added one with the same columns (heuristic). */
  readonly tablesRenamed: readonly { readonly from: string; readonly to: string }[];
  readonly columnsAdded: readonly ColumnRef[];
  readonly columnsDropped: readonly ColumnRef[];
  /** In one table, a dropped column and an added one of the same type (heuristic). */
  readonly columnsRenamed: readonly { readonly table: string; readonly from: string; readonly to: string; readonly type: string }[];
  readonly columnsRetyped: readonly { readonly table: string; readonly column: string; readonly from: string; readonly to: string }[];
  /** Nullability or default changes. */
  readonly columnsAltered: readonly NamedChange[];
  readonly constraints: readonly NamedChange[];
  readonly indexes: readonly NamedChange[];
  readonly rowCounts: readonly { readonly table: string; readonly before: number | null; readonly after: number | null }[];
}

const sameColumns = (a: TableSnapshot, b: TableSnapshot): boolean => {
  const ka = Object.keys(a.columns).sort();
  const kb = Object.keys(b.columns).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.columns[k]!.type === b.columns[k]!.type);
};

function namedDiff(table: string, before: readonly { name: string; definition: string }[], after: readonly { name: string; definition: string }[]): NamedChange[] {
  const out: NamedChange[] = [];
  const b = new Map(before.map((x) => [x.name, x.definition]));
  const a = new Map(after.map((x) => [x.name, x.definition]));
  for (const [name, def] of b) {
    if (!a.has(name)) out.push({ table, name, before: def });
    else if (a.get(name) !== def) out.push({ table, name, before: def, after: a.get(name)! });
  }
  for (const [name, def] of a) if (!b.has(name)) out.push({ table, name, after: def });
  return out;
}

function diffTable(table: string, b: TableSnapshot, a: TableSnapshot, d: MutableDiff): void {
  const dropped: ColumnRef[] = [];
  const added: ColumnRef[] = [];
  for (const [column, col] of Object.entries(b.columns)) {
    const now = a.columns[column];
    if (!now) dropped.push({ table, column, type: col.type });
    else if (now.type !== col.type) d.columnsRetyped.push({ table, column, from: col.type, to: now.type });
    else if (now.nullable !== col.nullable || now.default !== col.default) {
      d.columnsAltered.push({ table, name: column, before: `${col.nullable ? "null" : "not null"} default ${col.default}`, after: `${now.nullable ? "null" : "not null"} default ${now.default}` });
    }
  }
  for (const [column, col] of Object.entries(a.columns)) if (!b.columns[column]) added.push({ table, column, type: col.type });
  for (const drop of [...dropped]) {
    const twin = added.find((x) => x.type === drop.type);
    if (dropped.length === 1 && twin) {
      d.columnsRenamed.push({ table, from: drop.column, to: twin.column, type: drop.type });
      dropped.splice(dropped.indexOf(drop), 1);
      added.splice(added.indexOf(twin), 1);
    }
  }
  d.columnsDropped.push(...dropped);
  d.columnsAdded.push(...added);
  d.constraints.push(...namedDiff(table, b.constraints, a.constraints));
  d.indexes.push(...namedDiff(table, b.indexes, a.indexes));
}

type MutableDiff = { -readonly [K in keyof SchemaDiff]: SchemaDiff[K] extends readonly (infer T)[] ? T[] : never };

export function diffSnapshots(before: Snapshot, after: Snapshot): SchemaDiff {
  const d: MutableDiff = { tablesAdded: [], tablesDropped: [], tablesRenamed: [], columnsAdded: [], columnsDropped: [], columnsRenamed: [], columnsRetyped: [], columnsAltered: [], constraints: [], indexes: [], rowCounts: [] };
  const dropped = Object.keys(before.tables).filter((t) => !after.tables[t]).sort();
  const added = Object.keys(after.tables).filter((t) => !before.tables[t]).sort();
  for (const t of dropped) {
    const twin = added.find((x) => sameColumns(before.tables[t]!, after.tables[x]!));
    if (twin) { d.tablesRenamed.push({ from: t, to: twin }); added.splice(added.indexOf(twin), 1); } else d.tablesDropped.push(t);
  }
  d.tablesAdded.push(...added);
  for (const t of Object.keys(before.tables).sort()) {
    if (after.tables[t]) diffTable(t, before.tables[t]!, after.tables[t]!, d);
  }
  const tables = new Set([...Object.keys(before.rowCounts), ...Object.keys(after.rowCounts)]);
  for (const t of [...tables].sort()) {
    const b = before.rowCounts[t] ?? null;
    const a = after.rowCounts[t] ?? null;
    if (a !== b) d.rowCounts.push({ table: t, before: b, after: a });
  }
  return d;
}

/** The destructive changes, in words ("dropped column plugins.run_on (text)"). */
export function destructiveChanges(d: SchemaDiff): string[] {
  return [
    ...d.tablesDropped.map((t) => `dropped table ${t}`),
    ...d.tablesRenamed.map((r) => `renamed table ${r.from} to ${r.to}`),
    ...d.columnsDropped.map((c) => `dropped column ${c.table}.${c.column} (${c.type})`),
    ...d.columnsRenamed.map((c) => `renamed column ${c.table}.${c.from} to ${c.to} (${c.type})`),
    ...d.columnsRetyped.map((c) => `retyped column ${c.table}.${c.column} from ${c.from} to ${c.to}`),
  ];
}

/** The other changes, in words. */
export function reportedChanges(d: SchemaDiff): string[] {
  const change = (what: string, c: NamedChange): string =>
    `${c.before === undefined ? "added" : c.after === undefined ? "dropped" : "changed"} ${what} ${c.table}.${c.name}${c.after !== undefined ? `: ${c.after}` : ""}`;
  return [
    ...d.tablesAdded.map((t) => `added table ${t}`),
    ...d.columnsAdded.map((c) => `added column ${c.table}.${c.column} (${c.type})`),
    ...d.columnsAltered.map((c) => `altered column ${c.table}.${c.name}: ${c.before} -> ${c.after}`),
    ...d.constraints.map((c) => change("constraint", c)),
    ...d.indexes.map((c) => change("index", c)),
    ...d.rowCounts.map((r) => `rows in ${r.table}: ${r.before ?? "none"} -> ${r.after ?? "none"}`),
  ];
}
