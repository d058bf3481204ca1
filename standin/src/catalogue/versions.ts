// What a stand-in binary of one Kong version knows: its migration catalogue, bundled plugins, CLI
// message variants and export format. Everything version-specific that the CLI and the migration
// engine branch on is a named field here, never a version comparison at the use site.
import type { Strategy } from "../db/types.ts";
import { BUNDLED_PLUGINS, HASH_ORDERS, MIGRATION_LISTS } from "./migration-lists.ts";
import { hasTeardown } from "./teardowns.ts";

export interface MigrationSpec { readonly name: string; readonly teardown: Readonly<Record<Strategy, boolean>> }
export interface SubsystemSpec { readonly name: string; readonly migrations: readonly MigrationSpec[] }

export interface VersionCatalogue {
  readonly version: string;
  readonly core: SubsystemSpec;
  /** Plugin subsystems (plugins with a migrations index), by plugin name. */
  readonly pluginSubsystems: ReadonlyMap<string, SubsystemSpec>;
  /** kong/constants.lua order. */
  readonly bundledPlugins: readonly string[];
  /** 2.4.0+: plugin subsystems sorted by name; before, a Lua hash's order (see `hashOrder`). */
  readonly sortsPlugins: boolean;
  /** Before 2.4: the order a real build iterated its plugins in, when known (else the setting's order). */
  readonly hashOrder?: readonly string[];
  /** 2.2.0+: `up` refuses pending migrations before taking the lock, without a traceback. */
  readonly earlyPendingCheck: boolean;
  /** 2.1.0+: `bootstrap -f` resets first. */
  readonly bootstrapForce: boolean;
  /** 1.x wording of the needs-bootstrap messages. */
  readonly legacyBootstrapMessages: boolean;
  /** db_export's `_format_version`, and what db_import accepts. */
  readonly formatVersion: string;
  readonly importFormats: readonly string[];
  /** 3.0+: the reset prompt shows `[y/n]`. */
  readonly resetPrompt: string;
  /** 2.7.0+: pgmoon 1.13.0 answers a SCRAM-SHA-256 server; earlier pgmoon raises `don't know how to auth: 10`. */
  readonly pgScram: boolean;
}

export const STANDIN_VERSIONS = Object.keys(MIGRATION_LISTS);

function subsystem(name: string, migrations: readonly string[], version: string): SubsystemSpec {
  return {
    name,
    migrations: migrations.map((m) => ({ name: m, teardown: { postgres: hasTeardown(name, m, "postgres", version), cassandra: hasTeardown(name, m, "cassandra", version) } })),
  };
}

const atLeast = (version: string, min: string): boolean => {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

export function catalogue(version: string): VersionCatalogue {
  const lists = MIGRATION_LISTS[version];
  const bundled = BUNDLED_PLUGINS[version];
  if (!lists || !bundled) throw new Error(`no stand-in catalogue for Kong ${version} (known: ${STANDIN_VERSIONS.join(", ")})`);
  return {
    version,
    core: subsystem("core", lists.core, version),
    pluginSubsystems: new Map(Object.entries(lists.plugins).map(([p, ms]) => [p, subsystem(p, ms, version)])),
    bundledPlugins: bundled,
    sortsPlugins: atLeast(version, "2.4.0"),
    hashOrder: HASH_ORDERS[version],
    earlyPendingCheck: atLeast(version, "2.2.0"),
    bootstrapForce: atLeast(version, "2.1.0"),
    legacyBootstrapMessages: !atLeast(version, "2.0.0"),
    formatVersion: atLeast(version, "3.0.0") ? "3.0" : atLeast(version, "2.1.0") ? "2.1" : "1.1",
    importFormats: atLeast(version, "3.0.0") ? ["1.1", "2.1", "3.0"] : atLeast(version, "2.1.0") ? ["1.1", "2.1"] : ["1.1"],
    resetPrompt: atLeast(version, "3.0.0") ? "[y/n]" : "[Y/n]",
    pgScram: atLeast(version, "2.7.0"),
  };
}

/**
 * The subsystems this binary checks and migrates: core, then each enabled plugin that has
 * migrations. ≤2.3 iterated a Lua hash: the stand-in uses the order a real build of the version
 * showed where it is known (plugins it does not place keep the setting's order, after them), else
 * the order of the `plugins` setting; 2.4+ sort by name.
 */
export function subsystemsFor(cat: VersionCatalogue, enabledPlugins: readonly string[]): SubsystemSpec[] {
  const names = enabledPlugins.filter((p) => cat.pluginSubsystems.has(p));
  if (cat.sortsPlugins) names.sort();
  else if (cat.hashOrder) {
    const rank = (p: string): number => { const i = cat.hashOrder!.indexOf(p); return i < 0 ? cat.hashOrder!.length : i; };
    names.sort((a, b) => rank(a) - rank(b));
  }
  return [cat.core, ...names.map((p) => cat.pluginSubsystems.get(p)!)];
}
