// Pure comparisons of two datastore states (schema_meta and data fingerprint), each difference in
// words precise enough to act on: which table, which row, which column, which unique value.
import type { DataFingerprint, DatastoreState, SchemaMetaRow, TableFingerprint } from "./records.ts";

/** Rows named per table before "and N more". */
const MAX_ROWS_NAMED = 5;

const list = (xs: readonly string[]): string => `[${xs.slice(0, 8).map((x) => JSON.stringify(x)).join(", ")}${xs.length > 8 ? `, … ${xs.length - 8} more` : ""}]`;

function multisetDiff(expected: readonly string[], actual: readonly string[]): { missing: string[]; extra: string[] } {
  const count = new Map<string, number>();
  for (const x of expected) count.set(x, (count.get(x) ?? 0) + 1);
  const extra: string[] = [];
  for (const x of actual) {
    const n = count.get(x) ?? 0;
    if (n > 0) count.set(x, n - 1);
    else extra.push(x);
  }
  return { missing: [...count].flatMap(([x, n]) => Array<string>(n).fill(x)), extra };
}

const duplicates = (xs: readonly string[]): string[] => [...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))];

function compareRows(table: string, e: TableFingerprint, a: TableFingerprint): string[] {
  if (!e.detail || !a.detail) return [`${table}: row configurations differ (hash ${e.configHash} vs ${a.configHash}; too many rows to name them)`];
  const out: string[] = [];
  for (const [key, cols] of Object.entries(e.detail)) {
    const got = a.detail[key];
    if (!got) { out.push(`${table}: row ${key} is missing`); continue; }
    const changed = [...new Set([...Object.keys(cols), ...Object.keys(got)])].filter((c) => cols[c] !== got[c]).sort();
    if (changed.length > 0) out.push(`${table}: row ${key} differs in ${changed.map((c) => (c in got ? (c in cols ? c : `${c} (added)`) : `${c} (dropped)`)).join(", ")}`);
  }
  for (const key of Object.keys(a.detail)) if (!e.detail[key]) out.push(`${table}: row ${key} is unexpected`);
  return out.length > MAX_ROWS_NAMED ? [...out.slice(0, MAX_ROWS_NAMED), `${table}: … and ${out.length - MAX_ROWS_NAMED} more rows differ`] : out;
}

function compareTable(table: string, e: TableFingerprint, a: TableFingerprint, actualLabel: string, expectedLabel: string): string[] {
  const out: string[] = [];
  if (e.rows !== a.rows) out.push(`${table}: ${a.rows} rows after the ${actualLabel}, ${e.rows} after the ${expectedLabel}`);
  for (const key of [...new Set([...Object.keys(e.uniqueKeys), ...Object.keys(a.uniqueKeys)])].sort()) {
    const { missing, extra } = multisetDiff(e.uniqueKeys[key] ?? [], a.uniqueKeys[key] ?? []);
    const dups = duplicates(a.uniqueKeys[key] ?? []);
    if (missing.length > 0 || extra.length > 0) out.push(`${table}.${key}: missing ${list(missing)}, unexpected ${list(extra)}`);
    if (dups.length > 0) out.push(`${table}.${key}: duplicate values ${list(dups)}`);
  }
  if (e.configHash !== a.configHash) out.push(...compareRows(table, e, a));
  return out;
}

/** Every difference between the expected (clean run's) fingerprint and the actual one; empty when equal. */
export function compareFingerprints(expected: DataFingerprint, actual: DataFingerprint, labels = { expected: "clean run", actual: "re-run" }): string[] {
  const out: string[] = [];
  for (const table of [...new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])].sort()) {
    const e = expected.tables[table];
    const a = actual.tables[table];
    if (!e) out.push(`${table}: table exists after the ${labels.actual} only`);
    else if (!a) out.push(`${table}: table missing after the ${labels.actual}`);
    else out.push(...compareTable(table, e, a, labels.actual, labels.expected));
  }
  return out;
}

function compareNames(what: string, e: readonly string[], a: readonly string[]): string[] {
  if (e.length === a.length && e.every((x, i) => x === a[i])) return [];
  const { missing, extra } = multisetDiff(e, a);
  const dups = duplicates(a).filter((x) => !duplicates(e).includes(x));
  const parts = [
    ...(missing.length > 0 ? [`missing ${list(missing)}`] : []), ...(extra.length > 0 ? [`unexpected ${list(extra)}`] : []),
    ...(dups.length > 0 ? [`recorded twice ${list(dups)}`] : []),
  ];
  return [`${what}: ${parts.length > 0 ? parts.join(", ") : `same names in another order ${list(a)}`}`];
}

/** Every difference between two schema_meta readings, per subsystem. */
export function compareSchemaMeta(expected: readonly SchemaMetaRow[], actual: readonly SchemaMetaRow[]): string[] {
  const out: string[] = [];
  const e = new Map(expected.map((r) => [r.subsystem, r]));
  const a = new Map(actual.map((r) => [r.subsystem, r]));
  for (const sub of [...new Set([...e.keys(), ...a.keys()])].sort()) {
    const x = e.get(sub);
    const y = a.get(sub);
    if (!x || !y) { out.push(`schema_meta ${sub}: row ${x ? "missing" : "unexpected"}`); continue; }
    out.push(...compareNames(`schema_meta ${sub}.executed`, x.executed, y.executed), ...compareNames(`schema_meta ${sub}.pending`, [...x.pending].sort(), [...y.pending].sort()));
    if (x.lastExecuted !== y.lastExecuted) out.push(`schema_meta ${sub}.last_executed: ${JSON.stringify(y.lastExecuted)}, expected ${JSON.stringify(x.lastExecuted)}`);
  }
  return out;
}

/** schema_meta and fingerprint differences of two datastore states. */
export function compareStates(expected: DatastoreState, actual: DatastoreState, labels = { expected: "clean run", actual: "re-run" }): string[] {
  return [...compareSchemaMeta(expected.schemaMeta, actual.schemaMeta), ...compareFingerprints(expected.fingerprint, actual.fingerprint, labels)];
}
