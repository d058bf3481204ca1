// Kong's driver (lua-cassandra) reads the topology through its contact point, then connects to the
// address each node advertises (system.local rpc_address) at cassandra_port. The lab's Cassandra,
// started as a scenario starts it, advertises its address on the scenario's network, where the
// migration containers and the nodes are. The stand-in follows the advertised address as Kong does,
// so a Cassandra advertising an address that network cannot reach fails its bootstrap in Kong's words.
import { expect } from "chai";
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { CassandraDatastore, hostSideClient, StartedCassandraDatastore } from "../../harness/datastore/cassandra.ts";
import { DEFAULT_TUNING, KongContainer, type StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { KongMigrations } from "../../harness/kong/migrations.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { standinImage } from "../support/standin.ts";

const VERSION = "2.5.1";
const ALIAS = "kong-cassandra";

async function advertisedRpcAddress(container: StartedTestContainer): Promise<string> {
  const client = hostSideClient(container);
  try {
    await client.connect();
    const rs = await client.execute("SELECT rpc_address FROM system.local");
    return String(rs.first().get("rpc_address"));
  } finally {
    await client.shutdown();
  }
}

describe("lab: the address Cassandra advertises, as Kong's driver uses it", function () {
  this.timeout(300_000);

  describe("the lab's Cassandra started as a scenario starts it", () => {
    let network: StartedNetwork;
    let ds: StartedCassandraDatastore;
    let node: StartedKongContainer | undefined;

    before(async () => {
      network = await new Network().start();
      ds = await new CassandraDatastore(labImage("cassandra")).start(network);
    });

    after(async () => {
      await node?.stop(false);
      await ds?.stop();
      await network?.stop();
    });

    it("advertises its address on the scenario's network", async () => {
      expect(await advertisedRpcAddress(ds.container)).to.equal(ds.container.getIpAddress(network.getName()));
    });

    it(`stand-in ${VERSION} bootstraps from a migration container on that network, and a node starts and writes`, async () => {
      const boot = await new KongMigrations(standinImage(VERSION), ds).run("bootstrap");
      expect(boot.exitCode, `${boot.stdout}\n${boot.stderr}`).to.equal(0);
      expect(boot.stdout.trimEnd().split("\n").at(-1)).to.equal("Database is up-to-date");
      node = await new KongContainer(standinImage(VERSION), "adv-node-1").withDatastore(ds).start();
      const created = await fetch(`${node.getAdminUrl()}/services`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "adv", url: "http://upstream.test:8080" }),
      });
      expect(created.status, await created.clone().text()).to.equal(201);
      const read = await fetch(`${node.getAdminUrl()}/services/adv`);
      expect(read.status).to.equal(200);
      expect(((await read.json()) as { host: string }).host).to.equal("upstream.test");
    });
  });

  describe("a Cassandra advertising an address the scenario's network cannot reach", () => {
    let network: StartedNetwork;
    let container: StartedTestContainer;
    let ds: StartedCassandraDatastore;
    let logs = "";

    before(async () => {
      network = await new Network().start();
      // A network alias makes testcontainers create the container on Docker's default bridge and then
      // connect it to the network: two addresses, and the entrypoint advertises the first, the bridge's.
      container = await new GenericContainer(labImage("cassandra"))
        .withNetwork(network).withNetworkAliases(ALIAS)
        .withExposedPorts(9042)
        .withEnvironment({ CASSANDRA_CLUSTER_NAME: "advertised-elsewhere", MAX_HEAP_SIZE: "768M", HEAP_NEWSIZE: "128M" })
        .withLogConsumer((s) => s.on("data", (d: Buffer | string) => { logs += d.toString(); }))
        .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/Starting listening for CQL clients/), Wait.forListeningPorts()]))
        .withStartupTimeout(180_000)
        .start();
      const client = hostSideClient(container);
      await client.connect();
      ds = new StartedCassandraDatastore(container, client, labImage("cassandra"), network, "kong");
    });

    after(async () => {
      await (ds ? ds.stop() : container?.stop());
      await network?.stop();
    });

    it("advertises its default-bridge address, and its entrypoint says so", async () => {
      const bridge = container.getIpAddress("bridge");
      expect(await advertisedRpcAddress(container)).to.equal(bridge);
      expect(logs).to.contain(`cassandra: warning: several networks; advertising ${bridge}, not ${container.getIpAddress(network.getName())}`);
    });

    it(`stand-in ${VERSION} \`kong migrations bootstrap\` creates the keyspace through the contact point, then fails on the advertised address as Kong does (exit 1)`, async () => {
      const bridge = container.getIpAddress("bridge");
      // Kong finds it by its alias (Docker's DNS has no name for a container connected with aliases).
      const tuning = { ...DEFAULT_TUNING, extraEnv: { KONG_CASSANDRA_CONTACT_POINTS: ALIAS } };
      const boot = await new KongMigrations(standinImage(VERSION), ds, tuning).run("bootstrap", [], { dbTimeoutS: 5 });
      expect(boot.exitCode, `${boot.stdout}\n${boot.stderr}`).to.equal(1);
      expect(boot.stdout.split("\n")[0]).to.equal("Bootstrapping database...");
      expect(boot.stderr.split("\n")[0]).to.equal(
        `Error: [Cassandra error] failed to insert cluster lock: all hosts tried for query failed. ${bridge}: host seems unhealthy, considering it down (timeout)`);
      const client = hostSideClient(container);
      try {
        const ks = await client.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'kong'");
        expect(ks.rowLength, "schema_bootstrap's keyspace").to.equal(1);
      } finally {
        await client.shutdown();
      }
    });
  });
});
