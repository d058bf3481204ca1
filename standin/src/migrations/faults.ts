// Migration-side fault switches (KONG_STANDIN_FAULTS, see standin/README.md). Each makes `kong
// migrations up` misbehave the way a real upgrade bug would; none is active unless named.
import type { FaultSwitch } from "../faults.ts";

export const MIGRATION_FAULTS = {
  /** up rewrites route paths into a newer format (`~` prefix, as 3.0's up_f does): old routers misread them. */
  rewritesPaths: "up-rewrites-paths",
  /** DDL without IF NOT EXISTS: re-running a migration whose DDL committed but was never recorded fails. */
  notRerunnable: "migration-not-rerunnable",
  /** The process dies after the first migration's DDL committed and before it was recorded. */
  crashAfterDdl: "migration-crash-after-ddl",
  /** up runs the DDL, prints the usual lines and exits 0, but records nothing in schema_meta. */
  recordsNothing: "up-records-nothing",
  /** up damages existing data: key-auth keys are rewritten (entity=keyauth_credentials, default) or plugin configs emptied (entity=plugins). */
  damagesData: "up-damages-data",
  /** up holds ACCESS EXCLUSIVE locks on routes, services and plugins (or entity=<table>) for `for=<ms>` (default 10000) before migrating. */
  stall: "up-stall",
} as const;

export const CRASH_EXIT_CODE = 137;

export interface MigrationFaults {
  active(name: string): FaultSwitch | undefined;
}

/** Extra SQL that a faulty `up` runs in the same transaction as its first migration. */
export function faultySql(faults: MigrationFaults): string {
  const parts: string[] = [];
  if (faults.active(MIGRATION_FAULTS.rewritesPaths)) {
    parts.push(`UPDATE "routes" SET "paths" = ARRAY(SELECT CASE WHEN left(p, 1) = '~' THEN p ELSE '~' || p END FROM unnest("paths") AS p) WHERE "paths" IS NOT NULL;`);
  }
  const damage = faults.active(MIGRATION_FAULTS.damagesData);
  if (damage) {
    parts.push(damage.entity === "plugins"
      ? `UPDATE "plugins" SET "config" = '{}'::json;`
      : `UPDATE "keyauth_credentials" SET "key" = md5("key");`);
  }
  return parts.join("\n");
}

/** `LOCK … ACCESS EXCLUSIVE; pg_sleep(n)` in its own transaction, before the migrations run. */
export function stallSql(faults: MigrationFaults): string | undefined {
  const f = faults.active(MIGRATION_FAULTS.stall);
  if (!f) return undefined;
  const tables = f.entity ? [f.entity] : ["routes", "services", "plugins"];
  return `LOCK TABLE ${tables.map((t) => `"${t}"`).join(", ")} IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(${(f.forMs ?? 10_000) / 1000});`;
}
