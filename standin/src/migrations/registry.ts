// Looks up a migration's DDL for the running binary: the same name can differ between versions
// only where Kong's lists changed shape (2.0 folded 1.x's 001_14_to_15 into 000_base).
import type { VersionCatalogue } from "../catalogue/versions.ts";
import { coreDdl } from "./core-ddl.ts";
import type { MigrationDdl } from "./ops.ts";
import { PLUGIN_DDL } from "./plugin-ddl.ts";

export function ddlFor(cat: VersionCatalogue, subsystem: string, name: string): MigrationDdl {
  const ddl = subsystem === "core"
    ? coreDdl(name, cat.core.migrations.map((m) => m.name))
    : PLUGIN_DDL[subsystem]?.[name];
  if (!ddl) throw new Error(`the stand-in has no DDL for migration ${subsystem}/${name}`);
  return ddl;
}
