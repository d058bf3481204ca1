// One Cassandra container for every cassandra-*.test.ts file of a mocha process (started on first use,
// removed when the process exits), and a fresh keyspace per test. The JVM flags make schema changes
// and startup fast on a throwaway single node: system tables without fsync, no gossip settling.
import { execFileSync } from "node:child_process";
import cassandra from "cassandra-driver";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { labImage } from "../../harness/runtime/lab-state.ts";

const CQL_PORT = 9042;
const DC = "datacenter1";

export class CassandraFixture {
  private n = 0;
  private constructor(private readonly container: StartedTestContainer) {}

  static async start(): Promise<CassandraFixture> {
    const c = await new GenericContainer(labImage("cassandra"))
      .withExposedPorts(CQL_PORT)
      .withEnvironment({
        CASSANDRA_DC: DC, MAX_HEAP_SIZE: "512M", HEAP_NEWSIZE: "128M",
        // Kong's driver reconnects to the address Cassandra advertises, at cassandra_port (here the
        // mapped port): the stand-in processes of these tests run on this host.
        CASSANDRA_BROADCAST_RPC_ADDRESS: "127.0.0.1",
        JVM_EXTRA_OPTS: "-Dcassandra.unsafesystem=true -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.initial_token=0",
      })
      // The log line comes just before the port is bound; a driver connecting in between hangs.
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/Starting listening for CQL clients/), Wait.forListeningPorts()]))
      .withStartupTimeout(120_000)
      .start();
    const id = c.getId();
    process.once("exit", () => { try { execFileSync("docker", ["rm", "-f", id], { stdio: "ignore" }); } catch { /* already gone */ } });
    return new CassandraFixture(c);
  }

  get host(): string { return this.container.getHost(); }
  get port(): number { return this.container.getMappedPort(CQL_PORT); }

  /** KONG_* variables for a keyspace that does not exist yet (bootstrap creates it). */
  freshKeyspace(prefix = "kong", plugins = "key-auth,rate-limiting"): Record<string, string> {
    return {
      KONG_DATABASE: "cassandra", KONG_CASSANDRA_CONTACT_POINTS: this.host, KONG_CASSANDRA_PORT: String(this.port),
      KONG_CASSANDRA_KEYSPACE: `${prefix}_${process.pid}_${++this.n}`, KONG_CASSANDRA_LOCAL_DATACENTER: DC, KONG_PLUGINS: plugins,
    };
  }

  /** A driver client for assertions on a keyspace's tables. */
  async client(): Promise<cassandra.Client> {
    const c = new cassandra.Client({ contactPoints: [`${this.host}:${this.port}`], localDataCenter: DC, protocolOptions: { maxVersion: 4 }, isMetadataSyncEnabled: false });
    await c.connect();
    return c;
  }
}

let shared: Promise<CassandraFixture> | undefined;

/** The process-wide container; the first caller pays the ~10 s start. */
export function sharedCassandra(): Promise<CassandraFixture> {
  shared ??= CassandraFixture.start().catch((e: unknown) => { shared = undefined; throw e; });
  return shared;
}
