// The lab's cassandra:5.0 image (Apache Cassandra from Maven Central on Java 17) starts as a single
// node that cassandra-driver can use: create a keyspace and a table, write a row and read it back.
// The official image's environment (cluster name, data centre, heap) is honoured.
import { expect } from "chai";
import cassandra from "cassandra-driver";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { labImage } from "../../harness/runtime/lab-state.ts";

const CQL_PORT = 9042;

describe("lab: cassandra", function () {
  let container: StartedTestContainer | undefined;
  let client: cassandra.Client | undefined;
  let logs = "";

  before(async function () {
    const started = performance.now();
    container = await new GenericContainer(labImage("cassandra"))
      .withExposedPorts(CQL_PORT)
      .withEnvironment({
        CASSANDRA_CLUSTER_NAME: "harness-cluster",
        CASSANDRA_DC: "dc1",
        MAX_HEAP_SIZE: "512M",
        HEAP_NEWSIZE: "128M",
      })
      .withLogConsumer((stream) => stream.on("data", (chunk: Buffer | string) => (logs += chunk.toString())))
      // Cassandra logs the line just before it binds the port; a driver that connects in between
      // has its socket closed and then waits a whole readTimeout. So: the line, then the port.
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/Starting listening for CQL clients/), Wait.forListeningPorts()]))
      .withStartupTimeout(120_000)
      .start();
    console.log(`      cassandra ready for CQL in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    client = new cassandra.Client({
      contactPoints: [`${container.getHost()}:${container.getMappedPort(CQL_PORT)}`],
      localDataCenter: "dc1",
      socketOptions: { connectTimeout: 10_000, readTimeout: 30_000 },
    });
    await client.connect();
  });

  after(async function () {
    await client?.shutdown();
    await container?.stop();
  });

  it("is Cassandra 5.0 with the configured cluster name and data centre", async function () {
    const result = await client!.execute("SELECT release_version, cluster_name, data_center FROM system.local");
    const row = result.first();
    expect(String(row.get("release_version"))).to.match(/^5\.0\./);
    expect(row.get("cluster_name")).to.equal("harness-cluster");
    expect(row.get("data_center")).to.equal("dc1");
  });

  it("creates a keyspace and a table, writes a row and reads it back", async function () {
    await client!.execute(
      "CREATE KEYSPACE IF NOT EXISTS lab_test WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}",
    );
    await client!.execute("CREATE TABLE IF NOT EXISTS lab_test.items (id uuid PRIMARY KEY, name text, n int)");
    const id = cassandra.types.Uuid.random();
    await client!.execute("INSERT INTO lab_test.items (id, name, n) VALUES (?, ?, ?)", [id, "kong", 42], {
      prepare: true,
      consistency: cassandra.types.consistencies.localQuorum,
    });
    const result = await client!.execute("SELECT name, n FROM lab_test.items WHERE id = ?", [id], {
      prepare: true,
      consistency: cassandra.types.consistencies.localQuorum,
    });
    expect(result.rowLength).to.equal(1);
    expect(result.first().get("name")).to.equal("kong");
    expect(result.first().get("n")).to.equal(42);
  });

  it("runs with the heap it was given, as user cassandra", async function () {
    expect(logs).to.contain("-Xmx512M");
    const { output, exitCode } = await container!.exec(["sh", "-c", "stat -c %U /proc/1"]);
    expect(exitCode, output).to.equal(0);
    expect(output.trim()).to.equal("cassandra");
  });
});
