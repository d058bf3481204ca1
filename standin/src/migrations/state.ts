// The schema state as the running binary sees it (kong/db/migrations/state.lua, reference 4.1):
// only the subsystems and names this binary knows are looked at; everything else in schema_meta is
// ignored. The `last_executed` cut separates NEW (after it, or no cut) from MISSING (before it).
import type { SchemaMetaRow } from "../db/types.ts";
import type { MigrationSpec, SubsystemSpec } from "../catalogue/versions.ts";

export interface SubsystemMigrations { readonly subsystem: string; readonly migrations: readonly MigrationSpec[] }

export interface SchemaState {
  readonly needsBootstrap: boolean;
  /** Each list is undefined when empty, as Kong's state has nil there. */
  readonly executed?: readonly SubsystemMigrations[];
  readonly pending?: readonly SubsystemMigrations[];
  readonly newMigrations?: readonly SubsystemMigrations[];
  readonly missing?: readonly SubsystemMigrations[];
}

type Bucket = "executed" | "pending" | "new" | "missing";

function classify(spec: SubsystemSpec, row: SchemaMetaRow | undefined): Record<Bucket, MigrationSpec[]> {
  const out: Record<Bucket, MigrationSpec[]> = { executed: [], pending: [], new: [], missing: [] };
  if (!row) {
    out.new.push(...spec.migrations);
    return out;
  }
  const lastIdx = row.lastExecuted === null ? -1 : spec.migrations.findIndex((m) => m.name === row.lastExecuted);
  const cut = lastIdx < 0 ? undefined : lastIdx + 1;
  spec.migrations.forEach((m, i) => {
    if (row.executed.includes(m.name)) out.executed.push(m);
    else if (row.pending.includes(m.name)) out.pending.push(m);
    else if (cut === undefined || i >= cut) out.new.push(m);
    else out.missing.push(m);
  });
  return out;
}

export function schemaState(subsystems: readonly SubsystemSpec[], rows: ReadonlyMap<string, SchemaMetaRow> | null): SchemaState {
  // Kong's state for a database without schema_meta still lists every migration as new: that is
  // what `bootstrap` runs.
  if (rows === null) {
    const all = subsystems.map((s) => ({ subsystem: s.name, migrations: s.migrations })).filter((s) => s.migrations.length > 0);
    return { needsBootstrap: true, newMigrations: all.length > 0 ? all : undefined };
  }
  const lists: Record<Bucket, SubsystemMigrations[]> = { executed: [], pending: [], new: [], missing: [] };
  for (const spec of subsystems) {
    const buckets = classify(spec, rows.get(spec.name));
    for (const b of Object.keys(lists) as Bucket[]) {
      if (buckets[b].length > 0) lists[b].push({ subsystem: spec.name, migrations: buckets[b] });
    }
  }
  const orUndef = (l: SubsystemMigrations[]): readonly SubsystemMigrations[] | undefined => (l.length > 0 ? l : undefined);
  return {
    needsBootstrap: false,
    executed: orUndef(lists.executed), pending: orUndef(lists.pending),
    newMigrations: orUndef(lists.new), missing: orUndef(lists.missing),
  };
}

/** Kong's Migrations_mt.__tostring: one line per subsystem, right-aligned on the longest name of the block. */
export function formatMigrations(list: readonly SubsystemMigrations[]): string {
  const width = Math.max(...list.map((s) => s.subsystem.length));
  return list.map((s) => `${s.subsystem.padStart(width)}: ${s.migrations.map((m) => m.name).join(", ")}`).join("\n");
}

/**
 * The state as read from a replica that missed the records of the pending migrations (switch
 * `list-misses-pending`): with no `pending` entry they come after `last_executed`, so they are new.
 */
export function withoutPendingRecords(state: SchemaState): SchemaState {
  if (!state.pending) return state;
  const merged = new Map<string, MigrationSpec[]>();
  for (const s of [...state.pending, ...(state.newMigrations ?? [])]) merged.set(s.subsystem, [...(merged.get(s.subsystem) ?? []), ...s.migrations]);
  const { pending: _pending, ...rest } = state;
  return { ...rest, newMigrations: [...merged].map(([subsystem, migrations]) => ({ subsystem, migrations })) };
}
