// Real datastore-side faults and copies for migrations under faults: the datastore container
// paused (it stops answering; clients see their own timeouts) for a while, and a Postgres twin of
// the shared database on which a clean run gives the reference state.
import { getContainerRuntimeClient } from "testcontainers";
import { StartedPostgresDatastore } from "../datastore/postgres.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError } from "../errors.ts";
import { cassandraSession } from "./migration-cassandra.ts";

export class DatastoreFaultError extends HarnessError {
  override name = "DatastoreFaultError";
  override readonly code = "KH_ERR_DATASTORE_FAULT";
}

const isPostgres = (ds: StartedDatastore): ds is StartedPostgresDatastore => ds.strategy === "postgres" && "query" in ds;

function containerId(ds: StartedDatastore): string {
  const c = (ds as { container?: { getId(): string } }).container;
  if (!c) throw new DatastoreFaultError(`the ${ds.strategy} datastore exposes no container to pause`);
  return c.getId();
}

/**
 * Freezes the datastore's processes now (the cgroup freezer, as `docker pause`), and resumes them by
 * itself after `forMs`; resolves once frozen. Under heavy load the freezer can time out ("unable to
 * freeze"): it is tried three times. Everything else on that container waits while it is paused.
 */
export async function pauseDatastore(ds: StartedDatastore, forMs: number): Promise<{ resumed: Promise<void> }> {
  const docker = (await getContainerRuntimeClient()).container.dockerode.getContainer(containerId(ds));
  const later = (resume: () => Promise<unknown>): { resumed: Promise<void> } =>
    ({ resumed: new Promise<void>((r) => setTimeout(r, forMs)).then(async () => { await resume(); }) });
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.pause();
      return later(() => docker.unpause());
    } catch (err) {
      if (attempt >= 2) throw new DatastoreFaultError(`could not pause the ${ds.strategy} datastore (3 attempts): ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A copy of the shared Postgres database (schema and rows, through pg_dump inside the container), as
 * a datastore of its own: `drop()` removes it. `template`: a file copy (`CREATE DATABASE … TEMPLATE`),
 * only for a source nothing else is connected to and one copy at a time (a template copy that fails
 * on other sessions has been seen to crash this Postgres 15 into recovery). `empty`: a new database.
 */
export async function postgresTwin(ds: StartedDatastore, name: string, how: "dump" | "template" | "empty" = "dump"): Promise<StartedPostgresDatastore & { drop(): Promise<void> }> {
  if (!isPostgres(ds)) throw new DatastoreFaultError(`a twin of a ${ds.strategy} datastore is not supported: seed a second keyspace the same way instead`);
  const env = ds.kongEnv();
  const user = env.KONG_PG_USER!;
  const sh = async (cmd: string): Promise<{ exitCode: number; output: string }> => {
    // A datastore paused by a fault (pauseDatastore) refuses exec until resumed: wait for it, bounded.
    for (let attempt = 0; ; attempt++) {
      try {
        return await ds.container.exec(["sh", "-c", cmd], { env: { PGPASSWORD: env.KONG_PG_PASSWORD ?? "" } });
      } catch (err) {
        if (attempt >= 60 || !/is paused/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const r = await sh({
    empty: `createdb -h 127.0.0.1 -U ${user} ${name}`,
    template: `createdb -h 127.0.0.1 -U ${user} -T ${ds.database} ${name}`,
    dump: `createdb -h 127.0.0.1 -U ${user} ${name} && pg_dump -h 127.0.0.1 -U ${user} ${ds.database} | psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U ${user} -d ${name}`,
  }[how]);
  if (r.exitCode !== 0) throw new DatastoreFaultError(`could not copy database ${ds.database} to ${name} (exit ${r.exitCode}): ${r.output.trim().split("\n")[0]}`);
  const twin = new StartedPostgresDatastore(ds.container, ds.image, ds.network, user, env.KONG_PG_PASSWORD!, name);
  return Object.assign(twin, {
    drop: async () => { await sh(`dropdb -h 127.0.0.1 -U ${user} --force ${name}`); },
  });
}

/**
 * A `locks` row for the migrations key, owned by no running command, as a killed `up` leaves it:
 * `expiresInS` from now (negative: already expired). Postgres keeps it until a new lock attempt
 * purges expired rows; Cassandra's row carries a TTL and vanishes by itself (so it cannot be planted expired).
 */
export async function plantStaleLock(ds: StartedDatastore, expiresInS: number, owner = "killed-migration"): Promise<void> {
  if (isPostgres(ds)) {
    await ds.query(`INSERT INTO locks (key, owner, ttl) VALUES ('migrations', $1, CURRENT_TIMESTAMP + ($2 || ' seconds')::interval)
      ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, ttl = EXCLUDED.ttl`, [owner, String(expiresInS)]);
    return;
  }
  if (expiresInS <= 0) throw new DatastoreFaultError("an expired lock cannot be planted on Cassandra: its TTL removes the row");
  await cassandraSession(ds, (c, ks) => c.execute(`INSERT INTO "${ks}".locks (key, owner) VALUES ('migrations', ?) USING TTL ${Math.round(expiresInS)}`, [owner], { prepare: true }));
}
