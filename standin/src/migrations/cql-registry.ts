// Looks up a migration's Cassandra text for the running binary (the Postgres side is registry.ts).
import type { VersionCatalogue } from "../catalogue/versions.ts";
import { coreCql, type CqlText } from "./cql-core.ts";
import { PLUGIN_CQL } from "./cql-plugins.ts";

export function cqlFor(cat: VersionCatalogue, subsystem: string, name: string): CqlText {
  const cql = subsystem === "core"
    ? coreCql(name, cat.core.migrations.find((m) => m.name === name)?.teardown.cassandra ?? false)
    : PLUGIN_CQL[subsystem]?.[name];
  if (!cql) throw new Error(`the stand-in has no CQL for migration ${subsystem}/${name}`);
  return cql;
}
