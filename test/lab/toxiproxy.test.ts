// Toxiproxy between the host and PostgreSQL on a shared network: a latency toxic shows up in
// measured query time and goes away when removed; a disabled proxy cuts the connection.
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { expect } from "chai";
import pg from "pg";
import { Network, type StartedNetwork } from "testcontainers";
import { ToxiproxyContainer, type CreatedProxy, type StartedToxiproxyContainer } from "../../harness/chaos/toxiproxy-container.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";

describe("lab: toxiproxy", function () {
  let network: StartedNetwork;
  let postgres: StartedPostgreSqlContainer;
  let toxiproxy: StartedToxiproxyContainer;
  let proxied: CreatedProxy;

  before(async function () {
    network = await new Network().start();
    [postgres, toxiproxy] = await Promise.all([
      new PostgreSqlContainer(labImage("postgres")).withNetwork(network).withNetworkAliases("pg").start(),
      new ToxiproxyContainer(labImage("toxiproxy")).withNetwork(network).start(),
    ]);
    proxied = await toxiproxy.createProxy("postgres", "pg:5432");
  });

  after(async function () {
    await Promise.all([toxiproxy?.stop(), postgres?.stop()]);
    await network?.stop();
  });

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({
      host: proxied.host,
      port: proxied.port,
      user: postgres.getUsername(),
      password: postgres.getPassword(),
      database: postgres.getDatabase(),
      connectionTimeoutMillis: 5_000,
    });
    await client.connect();
    return client;
  }

  /** Best of a few round trips, so one scheduling hiccup on a busy machine cannot fail the test. */
  async function roundTripMs(client: pg.Client): Promise<number> {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await client.query("SELECT 1");
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  it("reports the version it was built from", async function () {
    expect(await toxiproxy.client.getVersion()).to.contain("2.12.0");
  });

  it("adds latency to queries through the proxy, and removing the toxic takes it away", async function () {
    const client = await connect();
    try {
      const before = await roundTripMs(client);
      expect(before, "baseline round trip").to.be.below(100);

      // Toxics apply to connections that are already open too.
      const toxic = await proxied.proxy.addToxic({
        name: "latency", type: "latency", stream: "downstream", toxicity: 1,
        attributes: { latency: 200, jitter: 0 },
      });
      const slow = await roundTripMs(client);
      expect(slow, "round trip with a 200 ms latency toxic").to.be.at.least(200).and.below(1_000);

      await toxic.remove();
      const after = await roundTripMs(client);
      expect(after, "round trip after removing the toxic").to.be.below(100);
      console.log(`      SELECT 1: ${before.toFixed(1)} ms -> ${slow.toFixed(1)} ms -> ${after.toFixed(1)} ms`);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it("a disabled proxy refuses connections until it is enabled again", async function () {
    await proxied.setEnabled(false);
    try {
      let error: unknown;
      await connect().then((c) => c.end(), (e: unknown) => (error = e));
      expect(error, "connecting through a disabled proxy").to.be.instanceOf(Error);
    } finally {
      await proxied.setEnabled(true);
    }
    const client = await connect();
    try {
      expect((await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).to.equal(1);
    } finally {
      await client.end();
    }
  });
});
