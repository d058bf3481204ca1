// The node's view of the migration state, for the fault switches that depend on it: which of this
// version's migrations are pending, and whether schema_meta records executed migrations newer than
// anything this version knows (a newer version's up/finish ran). Read at start and, only when such a
// switch is configured, again on every cluster-events poll interval.
import { catalogue, subsystemsFor } from "../catalogue/versions.ts";
import type { Datastore, SchemaMetaRow } from "../db/types.ts";
import { schemaState } from "../migrations/state.ts";
import type { MigrationState } from "./types.ts";
import { log } from "./log.ts";

const seq = (name: string): number => Number.parseInt(name, 10);

/** Pure: the node-relevant state from schema_meta rows. */
export function migrationStateOf(version: string, plugins: readonly string[], rows: ReadonlyMap<string, SchemaMetaRow> | null): MigrationState {
  if (rows === null) return { pending: [], newerExecuted: false };
  const subsystems = subsystemsFor(catalogue(version), plugins);
  const st = schemaState(subsystems, rows);
  const pending = (st.pending ?? []).flatMap((s) => s.migrations.map((m) => `${s.subsystem}:${m.name}`));
  const newerExecuted = subsystems.some((sub) => {
    const known = sub.migrations.map((m) => m.name);
    const maxKnown = Math.max(...known.map(seq).filter(Number.isFinite));
    return (rows.get(sub.name)?.executed ?? []).some((n) => !known.includes(n) && seq(n) > maxKnown);
  });
  return { pending, newerExecuted };
}

export class MigrationWatch {
  current: MigrationState;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly version: string, private readonly plugins: readonly string[], private readonly ds: Datastore, initial?: MigrationState) {
    this.current = initial ?? { pending: [], newerExecuted: false };
  }

  async refresh(): Promise<void> {
    try {
      this.current = migrationStateOf(this.version, this.plugins, await this.ds.migrations.schemaMeta());
    } catch (e) {
      log("warn", `could not read schema_meta: ${(e as Error).message}`);
    }
  }

  watch(everyMs: number): void {
    this.timer = setInterval(() => { void this.refresh(); }, everyMs);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }
}
