// What every database-backed command needs: the version catalogue, the configuration (KONG_* env
// and CLI overrides), the fault switches and a connected datastore.
import { hostname } from "node:os";
import { catalogue, type VersionCatalogue } from "../catalogue/versions.ts";
import { loadConfig, type StandinConfig } from "../config.ts";
import { createDatastore } from "../db/index.ts";
import { PgmoonRaisedError } from "../db/postgres/connection.ts";
import type { Datastore } from "../db/types.ts";
import { Faults, parseFaults } from "../faults.ts";
import type { Args } from "./args.ts";
import { KongCliError } from "./log.ts";

export interface KongEnv {
  readonly cat: VersionCatalogue;
  readonly config: StandinConfig;
  readonly faults: Faults;
}

export function kongEnv(env: NodeJS.ProcessEnv, args?: Args): KongEnv {
  const version = env.KONG_STANDIN_VERSION;
  if (!version) throw new KongCliError("KONG_STANDIN_VERSION is not set: the stand-in does not know which Kong version it is");
  const cat = catalogue(version);
  const envWithPrefix = args?.prefix ? { ...env, KONG_PREFIX: args.prefix } : env;
  let config = loadConfig(envWithPrefix, cat.bundledPlugins);
  // `--db-timeout` becomes pg_timeout (and the Cassandra timeouts), in ms.
  if (args) {
    const ms = args.dbTimeoutS * 1000;
    config = { ...config, pg: { ...config.pg, timeoutMs: ms }, cassandra: { ...config.cassandra, timeoutMs: ms, consensusTimeoutMs: ms } };
  }
  return { cat, config, faults: new Faults(parseFaults(config.faults), hostname()) };
}

/**
 * Connects like Kong's CLI does; an unreachable database becomes the `Error: [PostgreSQL error] …` line.
 * `replyTimeout`: every query also waits at most pg_timeout for its reply (the migration commands'
 * `--db-timeout`), so a datastore that stops answering fails the command with `timeout`.
 */
export async function connect(k: KongEnv, poolSize = 2, replyTimeout = false, warn?: (msg: string) => void): Promise<Datastore> {
  if (k.config.database === "off") throw new KongCliError("'kong migrations' requires a database");
  try {
    return await createDatastore(k.config, k.cat.version, { poolSize, warn, ...(replyTimeout ? { queryTimeoutMs: k.config.pg.timeoutMs } : {}) });
  } catch (e) {
    if (e instanceof PgmoonRaisedError) throw e; // raised, not returned: docker-start prints it with its Lua position
    throw new KongCliError((e as Error).message);
  }
}
