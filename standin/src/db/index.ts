// createDatastore(config, version): the one place that picks a strategy.
import type { StandinConfig } from "../config.ts";
import type { Datastore } from "./types.ts";
import { createCassandraDatastore } from "./cassandra/index.ts";
import { checkPostgres, createPostgresDatastore } from "./postgres/index.ts";

export { DatabaseUnreachable } from "./postgres/index.ts";
export { CassandraUnreachable } from "./cassandra/index.ts";

/**
 * Connects (checking reachability the way Kong's connector does) and returns the datastore.
 * `warn`: where a migration's ignored errors are logged (Kong's `[warn]` lines).
 */
export async function createDatastore(config: StandinConfig, version: string,
  opts: { poolSize?: number; queryTimeoutMs?: number; warn?: (msg: string) => void } = {}): Promise<Datastore> {
  if (config.database === "postgres") {
    await checkPostgres(config, version);
    return createPostgresDatastore(config, version, opts.poolSize, opts.queryTimeoutMs);
  }
  if (config.database === "cassandra") return createCassandraDatastore(config, version, opts.warn);
  throw new Error(`database '${config.database}' has no datastore`);
}
