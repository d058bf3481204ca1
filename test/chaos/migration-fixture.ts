// The shared fixture of the migrations-under-faults tests: one Postgres on a harness network,
// bootstrapped by the old version and seeded through its DAO with fixed ids, so that every copy
// (`postgresTwin`) is seeded exactly the same way; the clean run's reference states computed once.
import { Network, type StartedNetwork } from "testcontainers";
import { cleanRun } from "../../harness/chaos/migration-faults.ts";
import { postgresTwin } from "../../harness/chaos/migration-datastore.ts";
import type { DatastoreState } from "../../harness/checks/index.ts";
import { PostgresDatastore, type StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { DEFAULT_TUNING } from "../../harness/kong/kong-container.ts";
import { KongMigrations } from "../../harness/kong/migrations.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { catalogue } from "../../standin/src/catalogue/versions.ts";
import { loadConfig } from "../../standin/src/config.ts";
import { createDatastore } from "../../standin/src/db/index.ts";
import { pgEnv, standinImage } from "../support/standin.ts";

/** 2.0.5 -> 2.1.4 on Postgres: `up` runs 14 migrations (10 left pending), `finish` runs 10 teardowns that rewrite rows. */
export const WITH_TEARDOWNS = { old: "2.0.5", new: "2.1.4" } as const;
/** 2.6.0 -> 2.8.5 on Postgres: `up` runs 2 migrations, both executed at once (no teardown). */
export const UP_ONLY = { old: "2.6.0", new: "2.8.5" } as const;

export interface VersionPair { readonly old: string; readonly new: string }

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** Services, routes, consumers (one with only a custom_id), key-auth keys, plugins, an upstream and targets. */
async function seed(ds: StartedPostgresDatastore, version: string): Promise<void> {
  const env = pgEnv({ host: ds.container.getHost(), port: ds.container.getPort(), user: "kong", password: "kong", database: ds.database });
  const old = await createDatastore(loadConfig(env, catalogue(version).bundledPlugins), version, { poolSize: 2 });
  const e = old.entities;
  try {
    await e.insert("services", { id: id(1), name: "svc", host: "upstream.test", port: 80, protocol: "http" });
    await e.insert("routes", { id: id(2), name: "r", paths: ["/echo"], protocols: ["http"], service_id: id(1) });
    await e.insert("consumers", { id: id(3), username: "alice" });
    await e.insert("consumers", { id: id(4), custom_id: "only-custom-id" });
    await e.insert("keyauth_credentials", { id: id(5), consumer_id: id(3), key: "alice-key" });
    await e.insert("plugins", { id: id(6), name: "key-auth", config: { key_names: ["apikey"], hide_credentials: false }, enabled: true, protocols: ["http"], route_id: id(2) });
    await e.insert("plugins", { id: id(7), name: "rate-limiting", config: { second: 5, policy: "cluster" }, enabled: true, protocols: ["http"], service_id: id(1) });
    await e.insert("upstreams", { id: id(8), name: "pool.test", slots: 10000 });
    await e.insert("targets", { id: id(9), upstream_id: id(8), target: "10.0.0.1:80", weight: 100 });
    await e.insert("targets", { id: id(10), upstream_id: id(8), target: "10.0.0.2:80", weight: 50 });
  } finally {
    await old.close();
  }
}

/** One version pair's seeded database on the shared Postgres, and its clean run's states. */
export class MigrationFixture {
  reference!: { afterUp: DatastoreState; afterFinish: DatastoreState };
  private clusterId?: string;
  private n = 0;
  private constructor(readonly seeded: StartedPostgresDatastore, readonly versions: VersionPair, private readonly serial: { chain: Promise<unknown> }) {}

  /** Bootstrapped by `versions.old`, seeded, and the clean run of `versions.new` done on a copy. */
  static async start(seeded: StartedPostgresDatastore, versions: VersionPair, serial: { chain: Promise<unknown> }): Promise<MigrationFixture> {
    const boot = await new KongMigrations(standinImage(versions.old), seeded).run("bootstrap");
    if (boot.exitCode !== 0) throw new Error(`bootstrap with ${versions.old} exited ${boot.exitCode}: ${boot.stderr}`);
    await seed(seeded, versions.old);
    const fixture = new MigrationFixture(seeded, versions, serial);
    // Read once, now: nothing may be connected to the seeded database while a copy of it is made.
    const [id] = await seeded.query<{ value: string }>("SELECT value FROM parameters WHERE key = 'cluster_id'").catch(() => []);
    fixture.clusterId = id?.value;
    const ref = await fixture.twin();
    fixture.reference = await cleanRun(fixture.newMigrations(ref), ref);
    await ref.drop();
    return fixture;
  }

  /** A fresh copy of the seeded database (same ids, same rows); copies are made one at a time (a template allows one). */
  twin(): ReturnType<typeof postgresTwin> {
    const next = this.serial.chain.then(() => postgresTwin(this.seeded, `${this.seeded.database}_copy_${++this.n}`, "template"));
    this.serial.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * A database seeded the same way on a Postgres of its own (its own network too), for a fault that
   * pauses the whole datastore without stalling the other cases; `drop()` stops it.
   */
  async isolatedCopy(): Promise<StartedPostgresDatastore & { drop(): Promise<void> }> {
    const network = await new Network().start();
    const ds = await new PostgresDatastore(labImage("postgres")).start(network);
    const boot = await new KongMigrations(standinImage(this.versions.old), ds).run("bootstrap");
    if (boot.exitCode !== 0) throw new Error(`bootstrap with ${this.versions.old} exited ${boot.exitCode}: ${boot.stderr}`);
    await seed(ds, this.versions.old);
    // Bootstrap draws a random cluster_id (2.3+): the copy takes the seeded database's, as a copy would.
    if (this.clusterId) await ds.query("UPDATE parameters SET value = $1 WHERE key = 'cluster_id'", [this.clusterId]);
    return Object.assign(ds, { drop: async () => { await ds.stop().catch(() => undefined); await network.stop().catch(() => undefined); } });
  }

  /** The new version's `kong migrations` on a datastore, with stand-in switches for every run (`faults`). */
  newMigrations(ds: StartedPostgresDatastore, faults?: string): KongMigrations {
    return new KongMigrations(standinImage(this.versions.new), ds, { ...DEFAULT_TUNING, ...(faults ? { faults } : {}) });
  }
}

/** One Postgres on a harness network, one seeded database per version pair. */
export class MigrationLab {
  private constructor(readonly network: StartedNetwork, readonly postgres: StartedPostgresDatastore, readonly fixtures: readonly MigrationFixture[]) {}

  static async start(pairs: readonly VersionPair[]): Promise<MigrationLab> {
    const network = await new Network().start();
    const pg = await new PostgresDatastore(labImage("postgres")).start(network);
    const serial = { chain: Promise.resolve() as Promise<unknown> };
    const dbs = await Promise.all(pairs.map((p) => postgresTwin(pg, `seeded_${p.old.replace(/\./g, "")}_${p.new.replace(/\./g, "")}`, "empty")));
    return new MigrationLab(network, pg, await Promise.all(pairs.map((p, i) => MigrationFixture.start(dbs[i]!, p, serial))));
  }

  async stop(): Promise<void> {
    await this.postgres.stop().catch(() => undefined);
    await this.network.stop().catch(() => undefined);
  }
}
