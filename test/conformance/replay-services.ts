// What the replays of one run share, each started once, when a replay first needs it: a network, the
// echo upstream on it (`echo:8080`, answering in the recordings' shape) and each datastore server
// (PostgreSQL 15 with md5 passwords; the lab's Cassandra 5.0, which takes about 30 s to start).
// Every replay gets a datastore of its own on the server: a keyspace or database under a name no other
// replay has, absent or empty when the replay starts (as the recorder's fresh datastore was) and
// dropped when it ends, so nothing one replay writes is seen by another.
//
// One network for all: Cassandra advertises the address it has on the one network it is on, and
// Kong's driver connects to that address (harness/datastore/cassandra.ts), so every replay's nodes
// join that network, under names carrying their replay's tag.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type cassandra from "cassandra-driver";
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { CassandraDatastore, hostSideClient, type StartedCassandraDatastore } from "../../harness/datastore/cassandra.ts";
import { PostgresDatastore, StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { labImage, PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import type { Datastore } from "./recordings.ts";

/** The recorder's upstream: its alias and port are in every recorded service URL and Host header. */
export const ECHO_ALIAS = "echo";
export const ECHO_PORT = 8080;

/** The recorder's Postgres user and password (pg_dump shows the user as every object's owner). */
const PG_USER = "kong";
const PG_PASSWORD = "kong";

/** A replay's own datastore: its keyspace or database on the shared server, the harness's reads of it, and its removal. */
export type ReplayDatastore =
  | { readonly strategy: "postgres"; readonly name: string; readonly datastore: StartedPostgresDatastore; drop(): Promise<void> }
  | { readonly strategy: "cassandra"; readonly name: string; readonly datastore: StartedCassandraDatastore; readonly cql: cassandra.Client; drop(): Promise<void> };

/** What a replay is given: where its nodes run, its datastore, and a tag for its nodes' names. */
export interface ReplayResources {
  readonly network: StartedNetwork;
  readonly datastore: ReplayDatastore;
  readonly tag: string;
}

interface Stoppable { stop(): Promise<unknown> }

/** Stopped in this order: the datastores, then the echo upstream, then the network they are on. */
const STOP_ORDER = ["cassandra", "postgres", "echo", "network"] as const;
type Service = (typeof STOP_ORDER)[number];

export class ReplayServices {
  private readonly starts = new Map<Service, Promise<Stoppable>>();
  private replays = 0;
  private stopped = false;

  /** A replay's network, echo upstream and datastore of its own (the servers started if this is the first to need them). */
  async forReplay(kind: Datastore): Promise<ReplayResources> {
    const tag = `r${++this.replays}${Math.random().toString(36).slice(2, 6)}`;
    const [network] = await Promise.all([this.network(), this.shared("echo", () => this.startEcho())]);
    const server = kind === "postgres"
      ? await this.shared("postgres", () => SharedPostgres.start(network))
      : await this.shared("cassandra", () => SharedCassandra.start(network));
    // Kong's own default ("kong") with the tag: a valid keyspace and database name, and no other replay's.
    return { network, tag, datastore: await server.datastoreFor(`kong_${tag}`) };
  }

  /** Stops what was started; a service still starting is awaited first. Replays asking afterwards are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const service of STOP_ORDER) {
      const started = await this.starts.get(service)?.catch(() => undefined);
      await started?.stop().catch(() => undefined);
    }
    this.starts.clear();
  }

  private network(): Promise<StartedNetwork> {
    return this.shared("network", () => new Network().start());
  }

  private async startEcho(): Promise<StartedTestContainer> {
    return new GenericContainer(labImage("node-base"))
      .withNetwork(await this.network()).withNetworkAliases(ECHO_ALIAS)
      .withCopyContentToContainer([{ content: readFileSync(join(PROJECT_ROOT, "lab/upstream/echo.mjs")), target: "/srv/echo.mjs" }])
      .withEnvironment({ ECHO_ANSWER: "request", PORT: String(ECHO_PORT) })
      .withCommand(["node", "/srv/echo.mjs"])
      .withWaitStrategy(Wait.forLogMessage(/echo upstream listening/))
      .withName(`conformance-echo-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
      .start();
  }

  /** One start for every caller; a start that failed is forgotten, so the next replay tries again (as it would on its own). */
  private shared<T extends Stoppable>(service: Service, start: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error(`the replays' ${service} is stopped: no replay can start after ReplayServices.stop()`));
    let p = this.starts.get(service) as Promise<T> | undefined;
    if (!p) {
      const started = start();
      p = started;
      this.starts.set(service, started);
      started.catch(() => { if (this.starts.get(service) === started) this.starts.delete(service); });
    }
    return p;
  }
}

class SharedPostgres implements Stoppable {
  private constructor(private readonly server: StartedPostgresDatastore) {}

  static async start(network: StartedNetwork): Promise<SharedPostgres> {
    return new SharedPostgres(await new PostgresDatastore(labImage("postgres")).withCredentials(PG_USER, PG_PASSWORD, "kong").withAuth("md5").start(network));
  }

  /** A new database, created as the image's entrypoint creates its own (by the user, from template1). */
  async datastoreFor(name: string): Promise<ReplayDatastore> {
    const s = this.server;
    await s.query(`CREATE DATABASE "${name}"`);
    const drop = async (): Promise<void> => { await s.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); };
    const datastore = new StartedPostgresDatastore(s.container, s.image, s.network, PG_USER, PG_PASSWORD, name, s.auth);
    try {
      // The recorder's database granted its user the public schema (pg_dump shows the grant).
      await datastore.query(`GRANT ALL ON SCHEMA public TO ${PG_USER}`);
    } catch (e) {
      await drop().catch(() => undefined);
      throw e;
    }
    return { strategy: "postgres", name, datastore, drop };
  }

  stop(): Promise<void> { return this.server.stop(); }
}

class SharedCassandra implements Stoppable {
  private constructor(private readonly server: StartedCassandraDatastore, private readonly cql: cassandra.Client) {}

  static async start(network: StartedNetwork): Promise<SharedCassandra> {
    const server = await new CassandraDatastore(labImage("cassandra")).start(network);
    const cql = hostSideClient(server.container);
    try {
      await cql.connect();
    } catch (e) {
      await server.stop().catch(() => undefined);
      throw e;
    }
    return new SharedCassandra(server, cql);
  }

  /** A keyspace name nothing has used: Kong's bootstrap creates it, as it created the recorder's on a fresh server. */
  async datastoreFor(name: string): Promise<ReplayDatastore> {
    const drop = async (): Promise<void> => { await this.cql.execute(`DROP KEYSPACE IF EXISTS "${name}"`); };
    return { strategy: "cassandra", name, datastore: this.server.withKeyspace(name), cql: this.cql, drop };
  }

  async stop(): Promise<void> {
    await this.cql.shutdown().catch(() => undefined);
    await this.server.stop();
  }
}
