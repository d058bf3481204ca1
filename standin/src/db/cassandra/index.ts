// The Cassandra Datastore: one connection (a system client plus the keyspace client) shared by the
// DAO, cluster events, counters and migrations.
import type { StandinConfig } from "../../config.ts";
import { atLeast } from "../../catalogue/entities.ts";
import { DEFAULT_WS_ID } from "../../migrations/core-ddl.ts";
import type { Datastore } from "../types.ts";
import { CassConnection, cassMessage } from "./connection.ts";
import { CassCounterStore } from "./counters.ts";
import { CassEntityDao } from "./entities.ts";
import { CassEventStore } from "./events.ts";
import { CassMigrationStore } from "./migrations.ts";

export async function createCassandraDatastore(config: StandinConfig, version: string, warn?: (msg: string) => void): Promise<Datastore> {
  const conn = new CassConnection(config.cassandra);
  try {
    await conn.system.connect();
  } catch (e) {
    await conn.close();
    throw new CassandraUnreachable(`[Cassandra error] ${cassMessage(e, config.cassandra)}`, { cause: e });
  }
  return {
    strategy: "cassandra",
    description: `keyspace '${config.cassandra.keyspace}'`,
    entities: new CassEntityDao(conn, version, atLeast(version, "2.1.0") ? DEFAULT_WS_ID : null),
    events: new CassEventStore(conn),
    counters: new CassCounterStore(conn),
    migrations: new CassMigrationStore(conn, warn),
    reachable: async () => conn.system.execute("SELECT release_version FROM system.local").then(() => true, () => false),
    close: () => conn.close(),
  };
}

export class CassandraUnreachable extends Error {
  override name = "CassandraUnreachable";
}
