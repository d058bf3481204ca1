// The Cassandra-only upgrade break (UPGRADE.md @2.1.0-@2.6.0 "Cassandra"; Kong/kong @2.1.4
// kong/db/migrations/core/009_200_to_210.lua + operations/200_to_210.lua, and the 2.1+ Cassandra
// strategy): from 2.1 on, unique fields are stored `<ws_id>:<value>` and 009's teardown rewrites the
// old rows that way. A 2.0 node and a 2.1+ node therefore cannot share a keyspace: during the window
// a new node does not even start (the default workspace it indexes its plugins by is created by
// 009's teardown only), and after finish the old node rejects every key. 2.1+ to 2.6 coexist.
import { expect } from "chai";
import { sharedCassandra, type CassandraFixture } from "./cassandra-fixture.ts";
import { EchoUpstream, http, kong, startTestNode, until, type TestNode } from "./node-helpers.ts";

const OLD_KEY = "alice-key";
const INVALID = { message: "Invalid authentication credentials" };

describe("stand-in on Cassandra: in-place upgrade across the 2.0/2.1 workspace change", function () {
  this.timeout(120_000);
  let cass: CassandraFixture;
  let up: EchoUpstream;
  const nodes: TestNode[] = [];
  const start = async (version: string, env: Record<string, string>, hostname: string): Promise<TestNode> => {
    const n = await startTestNode(version, env, { hostname });
    nodes.push(n);
    return n;
  };
  const get = (n: TestNode, key?: string) => http("GET", `${n.proxyUrl}/secure`, undefined, key ? { apikey: key } : {});

  before(async () => { cass = await sharedCassandra(); up = await EchoUpstream.start(); });
  afterEach(async () => { await Promise.all(nodes.splice(0).map((n) => n.close())); });
  after(async () => { await up?.close(); });

  /** Bootstrap `from`, then a service, route, key-auth plugin and alice's key written by a `from` node. */
  async function seeded(from: string, prefix: string): Promise<{ env: Record<string, string>; old: TestNode }> {
    const env = cass.freshKeyspace(prefix);
    await kong(from, ["migrations", "bootstrap"], env);
    const old = await start(from, env, "blue");
    const admin = (p: string, body: unknown) => http("POST", `${old.adminUrl}${p}`, body);
    await admin("/services", { name: "secure", url: `http://127.0.0.1:${up.port}` });
    await admin("/services/secure/routes", { paths: ["/secure"] });
    await admin("/services/secure/plugins", { name: "key-auth" });
    await admin("/consumers", { username: "alice" });
    expect((await admin("/consumers/alice/key-auth", { key: OLD_KEY })).status).to.equal(201);
    expect((await get(old, OLD_KEY)).status).to.equal(200);
    return { env, old };
  }

  it("2.0.5 -> 2.6.0: a new node cannot start until finish, and after finish the old node rejects every key", async () => {
    const { env, old } = await seeded("2.0.5", "kbreak");
    const upOut = await kong("2.6.0", ["migrations", "up"], env);
    expect(upOut.stdout).to.contain("core migrated up to: 009_200_to_210 (pending)");
    expect(upOut.stdout).to.contain("key-auth migrated up to: 003_200_to_210 (pending)");

    // On Cassandra only 009's teardown creates the default workspace; 2.6.0's init indexes its
    // plugins iterator by it (plugins_iterator.lua:388 @2.6.0) and raises, as real 2.6.0 does.
    let refused: unknown;
    try { nodes.push(await startTestNode("2.6.0", env, { hostname: "green" })); } catch (e) { refused = e; }
    expect((refused as Error | undefined)?.message, "a 2.6.0 node started between up and finish").to.match(/plugins_iterator\.lua:388: table index is nil/);
    expect((await get(old, OLD_KEY)).status, "the old node still works during the window").to.equal(200);

    const fin = await kong("2.6.0", ["migrations", "finish"], env);
    expect(fin.stdout).to.contain("core migrated up to: 009_200_to_210 (executed)");
    const green2 = await start("2.6.0", env, "green-2");
    expect((await get(green2, OLD_KEY)).status, "a new node after finish finds the migrated key").to.equal(200);
    const blue2 = await start("2.0.5", env, "blue-2");
    const rejected = await get(blue2, OLD_KEY);
    expect([rejected.status, rejected.body], "a 2.0 node after finish rejects every key").to.deep.equal([401, INVALID]);
    expect((await http("GET", `${blue2.adminUrl}/consumers/alice`)).status).to.equal(404);
  });

  it("2.1.4 -> 2.6.0: old and new nodes share the keyspace through up and finish", async () => {
    const { env, old } = await seeded("2.1.4", "kcoexist");
    await kong("2.6.0", ["migrations", "up"], env);
    const green = await start("2.6.0", env, "green");
    expect((await get(green, OLD_KEY)).status).to.equal(200);
    await http("POST", `${green.adminUrl}/consumers`, { username: "bob" });
    await http("POST", `${green.adminUrl}/consumers/bob/key-auth`, { key: "bob-key" });
    await until("old node accepts bob-key", async () => (await get(old, "bob-key")).status === 200, 5000);
    await kong("2.6.0", ["migrations", "finish"], env);
    const blue2 = await start("2.1.4", env, "blue-2");
    expect((await get(blue2, OLD_KEY)).status).to.equal(200);
    expect((await get(blue2, "bob-key")).status).to.equal(200);
    expect(((await http("GET", `${blue2.adminUrl}/consumers/alice`)).body as { username: string }).username).to.equal("alice");
  });
});
