// Cross-node propagation only through cluster_events: a write on node a reaches node b's proxy at
// b's next poll (db_update_frequency), delayed by db_update_propagation, never before; and across the
// 2.0 → 2.1 cache-key format change, entity-key invalidations are lost while router:version is not.
import { expect } from "chai";
import { http, kong, nodeTestbed, sleep, until, type TestNode } from "./node-helpers.ts";

describe("stand-in node: propagation through cluster_events", function () {
  const bed = nodeTestbed();
  const { start } = bed;

  it("reaches the other node's proxy within db_update_frequency, and not before its poll", async () => {
    const env = await bed.pgf.freshDb();
    await kong("2.6.0", ["migrations", "bootstrap"], env);
    const opts = { env: { KONG_DB_UPDATE_FREQUENCY: "3" } };
    const a = await start("2.6.0", env, { ...opts, hostname: "a" });
    const b = await start("2.6.0", env, { ...opts, hostname: "b" });
    await http("POST", `${a.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${bed.up.port}` });
    // Let b's router see an unrelated state first, so the check below is about the route only.
    expect((await http("GET", `${b.proxyUrl}/p`)).status).to.equal(404);
    await http("POST", `${a.adminUrl}/services/s/routes`, { paths: ["/p"] });
    expect((await http("GET", `${a.proxyUrl}/p`)).status, "the writing node sees its write at once (strict)").to.equal(200);
    expect((await http("GET", `${b.proxyUrl}/p`)).status, "b has not polled yet").to.equal(404);
    const elapsed = await until("route visible on b", async () => (await http("GET", `${b.proxyUrl}/p`)).status === 200, 6000, 50);
    expect(elapsed).to.be.at.most(3000 + 600);
  });

  it("defers an event until nbf when db_update_propagation > 0", async () => {
    const env = await bed.pgf.freshDb();
    await kong("2.6.0", ["migrations", "bootstrap"], env);
    const opts = { env: { KONG_DB_UPDATE_FREQUENCY: "1", KONG_DB_UPDATE_PROPAGATION: "2" } };
    const a = await start("2.6.0", env, { ...opts, hostname: "a" });
    const b = await start("2.6.0", env, { ...opts, hostname: "b" });
    await http("POST", `${a.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${bed.up.port}` });
    const t0 = Date.now();
    await http("POST", `${a.adminUrl}/services/s/routes`, { paths: ["/late"] });
    await sleep(1500); // b has polled at least once and seen the event, but its nbf is 2 s after the write
    expect((await http("GET", `${b.proxyUrl}/late`)).status).to.equal(404);
    await until("route visible on b", async () => (await http("GET", `${b.proxyUrl}/late`)).status === 200, 5000, 50);
    expect(Date.now() - t0).to.be.within(1800, 1000 + 2000 + 800);
  });

  describe("2.0.5 and 2.1.4 nodes after 2.1.4's migrations up", function () {
    let env: Record<string, string>;
    let old: TestNode;
    let neu: TestNode;

    beforeEach(async () => {
      env = await bed.pgf.freshDb();
      await kong("2.0.5", ["migrations", "bootstrap"], env);
      await kong("2.1.4", ["migrations", "up"], env);
      old = await start("2.0.5", env, { hostname: "old" });
      neu = await start("2.1.4", env, { hostname: "new" });
    });

    it("router:version crosses the boundary: a route created on the new node is routed by the old one", async () => {
      await http("POST", `${neu.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${bed.up.port}` });
      await http("POST", `${neu.adminUrl}/services/s/routes`, { paths: ["/x"] });
      await until("route visible on the old node", async () => (await http("GET", `${old.proxyUrl}/x`)).status === 200, 4000);
    });

    it("entity keys do not: the old node keeps its cached miss for a credential created on the new node", async () => {
      await http("POST", `${old.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${bed.up.port}` });
      await http("POST", `${old.adminUrl}/services/s/routes`, { paths: ["/auth"] });
      await http("POST", `${old.adminUrl}/services/s/plugins`, { name: "key-auth" });
      await http("POST", `${old.adminUrl}/consumers`, { username: "carol" });
      await until("new node enforces key-auth", async () => (await http("GET", `${neu.proxyUrl}/auth`)).status === 401, 4000);
      // Both nodes cache the miss for the key.
      expect((await http("GET", `${old.proxyUrl}/auth`, undefined, { apikey: "carol-key" })).status).to.equal(401);
      expect((await http("GET", `${neu.proxyUrl}/auth`, undefined, { apikey: "carol-key" })).status).to.equal(401);
      await http("POST", `${neu.adminUrl}/consumers/carol/key-auth`, { key: "carol-key" });
      expect((await http("GET", `${neu.proxyUrl}/auth`, undefined, { apikey: "carol-key" })).status).to.equal(200);
      await sleep(3000); // three polls of the old node
      const r = await http("GET", `${old.proxyUrl}/auth`, undefined, { apikey: "carol-key" });
      expect(r.status, "2.0 key keyauth_credentials:carol-key:::: never matches 2.1's :::::<ws_id>").to.equal(401);
    });
  });
});
