// The Postgres Datastore: one pool shared by the DAO, cluster events, counters and migrations.
import type { StandinConfig } from "../../config.ts";
import { atLeast } from "../../catalogue/entities.ts";
import { catalogue } from "../../catalogue/versions.ts";
import type { Datastore } from "../types.ts";
import { createPool, pgmoonMessage, refuseUnspokenAuthentication } from "./connection.ts";
import { PgCounterStore } from "./counters.ts";
import { PgEntityDao } from "./entities.ts";
import { PgEventStore } from "./events.ts";
import { PgMigrationStore } from "./migrations.ts";

export class DatabaseUnreachable extends Error {
  override name = "DatabaseUnreachable";
}

export async function createPostgresDatastore(config: StandinConfig, version: string, poolSize = 10, queryTimeoutMs?: number): Promise<Datastore> {
  const pool = createPool(config.pg, poolSize, queryTimeoutMs);
  return {
    strategy: "postgres",
    description: `database '${config.pg.database}'`,
    entities: new PgEntityDao(pool, version),
    events: new PgEventStore(pool),
    counters: new PgCounterStore(pool, atLeast(version, "2.1.0")),
    migrations: new PgMigrationStore(pool, config.pg.schema, config.pg.user),
    reachable: async () => pool.query("SELECT 1").then(() => true, () => false),
    close: () => pool.end(),
  };
}

/**
 * Kong's connector checks the server version first; an unreachable server fails right there, and a
 * client that does not speak the server's authentication raises (PgmoonRaisedError) on connecting.
 */
export async function checkPostgres(config: StandinConfig, version: string): Promise<void> {
  await refuseUnspokenAuthentication(config.pg, catalogue(version).pgScram);
  const pool = createPool(config.pg, 1);
  try {
    await pool.query("SHOW server_version_num");
  } catch (e) {
    throw new DatabaseUnreachable(`[PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ${pgmoonMessage(e)}`, { cause: e });
  } finally {
    await pool.end().catch(() => undefined);
  }
}
