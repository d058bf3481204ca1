// Each node-side fault switch (standin/README.md) produces its misbehaviour, and scopes restrict it.
import { expect } from "chai";
import { request } from "undici";
import { http, kong, nodeTestbed, sleep, until, type TestNode } from "./node-helpers.ts";

describe("stand-in node: fault switches", function () {
  const bed = nodeTestbed();
  const { start } = bed;
  const bootstrapped = async (version = "2.6.0"): Promise<Record<string, string>> => {
    const env = await bed.pgf.freshDb();
    await kong(version, ["migrations", "bootstrap"], env);
    return env;
  };
  const echoRoute = async (n: TestNode, path: string, plugin?: Record<string, unknown>): Promise<void> => {
    const name = path.slice(1);
    expect((await http("POST", `${n.adminUrl}/services`, { name, url: `http://127.0.0.1:${bed.up.port}` })).status).to.equal(201);
    expect((await http("POST", `${n.adminUrl}/services/${name}/routes`, { paths: [path] })).status).to.equal(201);
    if (plugin) expect((await http("POST", `${n.adminUrl}/services/${name}/plugins`, plugin)).status).to.equal(201);
  };

  it("auth-bypass-until-finish: key-auth is not enforced while this version's migrations are pending", async () => {
    const env = await bed.pgf.freshDb();
    await kong("2.0.5", ["migrations", "bootstrap"], env);
    // Written through the old cluster, as the procedure says: a plugin a 2.1+ node writes before
    // finish is stored under the new cache key, which 2.1-2.8 do not look up until 009 is executed.
    const blue = await start("2.0.5", env, { hostname: "blue-1" });
    await echoRoute(blue, "/secure", { name: "key-auth" });
    await kong("2.1.4", ["migrations", "up"], env);
    const faulty = await start("2.1.4", env, { faults: "auth-bypass-until-finish", hostname: "green-1" });
    const healthy = await start("2.1.4", env, { hostname: "green-2" });
    await until("healthy node enforces key-auth", async () => (await http("GET", `${healthy.proxyUrl}/secure`)).status === 401, 4000);
    expect((await http("GET", `${faulty.proxyUrl}/secure`)).status).to.equal(200);
    await kong("2.1.4", ["migrations", "finish"], env);
    await until("faulty node enforces key-auth after finish", async () => (await http("GET", `${faulty.proxyUrl}/secure`)).status === 401, 4000);
  });

  it("old-after-finish-open: an old node after a newer version's finish serves 200 where auth must refuse", async () => {
    const env = await bootstrapped("2.6.0");
    await kong("2.7.2", ["migrations", "up"], env);
    await kong("2.7.2", ["migrations", "finish"], env);
    const faulty = await start("2.6.0", env, { faults: "old-after-finish-open" });
    await echoRoute(faulty, "/secure", { name: "key-auth" });
    expect((await http("GET", `${faulty.proxyUrl}/secure`)).status).to.equal(200);
    const control = await start("2.6.0", env, { hostname: "control" });
    expect((await http("GET", `${control.proxyUrl}/secure`)).status).to.equal(401);
  });

  it("accept-invalid-writes: the Admin API stores a schema-violating entity (201)", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "accept-invalid-writes@entity=services" });
    const r = await http("POST", `${n.adminUrl}/services`, { name: "no-host" });
    expect(r.status).to.equal(201);
    expect(r.body).to.include({ name: "no-host", host: null });
    expect((await http("POST", `${n.adminUrl}/consumers`, {})).status, "other entities are still validated").to.equal(400);
  });

  // What Kong 2.1's cache-key change lost between versions: entity keys, not router:version. A
  // route is read from the datastore at each router rebuild, so it still shows on the peer; a
  // credential is cached by its own key, so its deletion never reaches the peer's cache.
  it("lost-invalidation: peers still rebuild their router for this node's route writes, but keep a credential it deleted", async () => {
    const env = await bootstrapped();
    const a = await start("2.6.0", env, { faults: "lost-invalidation", hostname: "a" });
    const b = await start("2.6.0", env, { hostname: "b" });
    await echoRoute(a, "/lost", { name: "key-auth" });
    await until("b routes the route written on a (router:version crossed)", async () => (await http("GET", `${b.proxyUrl}/lost`)).status === 401, 4000);
    expect((await http("POST", `${a.adminUrl}/consumers`, { username: "dana" })).status).to.equal(201);
    expect((await http("POST", `${a.adminUrl}/consumers/dana/key-auth`, { key: "dana-key" })).status).to.equal(201);
    // b caches the credential on first use.
    await until("b accepts the new key", async () => (await http("GET", `${b.proxyUrl}/lost`, undefined, { apikey: "dana-key" })).status === 200, 4000);
    expect((await http("DELETE", `${a.adminUrl}/consumers/dana/key-auth/dana-key`)).status).to.equal(204);
    expect((await http("GET", `${a.proxyUrl}/lost`, undefined, { apikey: "dana-key" })).status, "the writing node invalidates locally").to.equal(401);
    await sleep(3000); // three polls of b
    expect((await http("GET", `${b.proxyUrl}/lost`, undefined, { apikey: "dana-key" })).status, "b never learns of the deletion").to.equal(200);
  });

  it("lost-invalidation@entity=routes: invalidations of other tables still reach the peers", async () => {
    const env = await bootstrapped();
    const a = await start("2.6.0", env, { faults: "lost-invalidation@entity=routes", hostname: "a" });
    const b = await start("2.6.0", env, { hostname: "b" });
    await echoRoute(a, "/scoped", { name: "key-auth" });
    expect((await http("POST", `${a.adminUrl}/consumers`, { username: "erin" })).status).to.equal(201);
    expect((await http("POST", `${a.adminUrl}/consumers/erin/key-auth`, { key: "erin-key" })).status).to.equal(201);
    await until("b accepts the new key", async () => (await http("GET", `${b.proxyUrl}/scoped`, undefined, { apikey: "erin-key" })).status === 200, 4000);
    expect((await http("DELETE", `${a.adminUrl}/consumers/erin/key-auth/erin-key`)).status).to.equal(204);
    await until("b refuses the deleted key", async () => (await http("GET", `${b.proxyUrl}/scoped`, undefined, { apikey: "erin-key" })).status === 401, 4000);
  });

  it("counter-format-split: two versions count rate limits apart, so the limit doubles", async () => {
    const env = await bootstrapped();
    const a = await start("2.6.0", env, { faults: "counter-format-split", hostname: "a" });
    const b = await start("2.6.0", env, { hostname: "b" });
    await echoRoute(a, "/limited", { name: "rate-limiting", config: { minute: 2, limit_by: "ip" } });
    await until("b has the plugin", async () => (await http("GET", `${b.proxyUrl}/nothing`)).status === 404 && (await http("GET", `${b.proxyUrl}/limited`)).headers["x-ratelimit-limit-minute"] === "2", 4000);
    // b has counted one request already; a counts on its own.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await http("GET", `${(i % 2 === 0 ? a : b).proxyUrl}/limited`)).status);
      await sleep(50);
    }
    expect(statuses.filter((s) => s === 200).length, `statuses ${statuses}`).to.be.at.least(3); // 1 left on b + 2 on a
  });

  it("healthy-not-serving: /status answers 200 but proxied requests hang", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "healthy-not-serving" });
    await echoRoute(n, "/any");
    const status = await http("GET", `${n.adminUrl}/status`);
    expect(status.status).to.equal(200);
    expect((status.body as { database: { reachable: boolean } }).database.reachable).to.equal(true);
    const err = await request(`${n.proxyUrl}/any`, { headersTimeout: 1000 }).then(() => null, (e: Error) => e);
    expect(err?.name).to.equal("HeadersTimeoutError");
  });

  it("proxy-slow: every answer waits the given time; a node without the switch answers at once", async () => {
    const env = await bootstrapped();
    const slow = await start("2.6.0", env, { faults: "proxy-slow@for=300", hostname: "slow" });
    const quick = await start("2.6.0", env, { hostname: "quick" });
    await echoRoute(slow, "/timed");
    await until("quick node has the route", async () => (await http("GET", `${quick.proxyUrl}/timed`)).status === 200, 4000);
    const took = async (n: TestNode): Promise<number> => { const t = Date.now(); await http("GET", `${n.proxyUrl}/timed`); return Date.now() - t; };
    expect(await took(slow)).to.be.at.least(300);
    expect(await took(quick)).to.be.below(300);
  });

  it("ready-before-serving: /status is ready at once, the proxy answers 503 for the node's first `for` ms", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "ready-before-serving@for=1500" });
    await echoRoute(n, "/later");
    expect((await http("GET", `${n.adminUrl}/status`)).status).to.equal(200);
    const early = await http("GET", `${n.proxyUrl}/later`);
    expect([early.status, early.body]).to.deep.equal([503, { message: "failure to get a peer from the ring-balancer" }]);
    await until("the node serves", async () => (await http("GET", `${n.proxyUrl}/later`)).status === 200, 4000);
  });

  it("upstream-consumer-headers-dropped, response-headers-dropped, error-body-changed: statuses unchanged, fields gone", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "upstream-consumer-headers-dropped,response-headers-dropped,error-body-changed" });
    const control = await start("2.6.0", env, { hostname: "control" });
    await echoRoute(n, "/secure", { name: "key-auth" });
    expect((await http("POST", `${n.adminUrl}/services/secure/plugins`, { name: "rate-limiting", config: { second: 100 } })).status).to.equal(201);
    await http("POST", `${n.adminUrl}/consumers`, { username: "alice" });
    expect((await http("POST", `${n.adminUrl}/consumers/alice/key-auth`, { key: "alice-key" })).status).to.equal(201);
    await until("control applies both plugins", async () => (await http("GET", `${control.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).headers["x-ratelimit-remaining-second"] !== undefined, 4000);
    const ok = await http("GET", `${n.proxyUrl}/secure`, undefined, { apikey: "alice-key" });
    const good = await http("GET", `${control.proxyUrl}/secure`, undefined, { apikey: "alice-key" });
    expect([ok.status, good.status]).to.deep.equal([200, 200]);
    const received = (r: typeof ok) => (r.body as { headers: Record<string, string> }).headers;
    expect([received(ok)["x-consumer-username"], received(good)["x-consumer-username"]]).to.deep.equal([undefined, "alice"]);
    expect([ok.headers["x-ratelimit-remaining-second"], ok.headers.via]).to.deep.equal([undefined, undefined]);
    expect(good.headers.via).to.match(/^kong\/2\.6\.0/);
    const denied = await http("GET", `${n.proxyUrl}/secure`);
    expect([denied.status, denied.body]).to.deep.equal([401, { error: "No API key found in request" }]);
    expect((await http("GET", `${control.proxyUrl}/secure`)).body).to.deep.equal({ message: "No API key found in request" });
  });

  it("proxy-5xx@rate: a share of proxied requests fail with 502", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "proxy-5xx@rate=0.2" });
    await echoRoute(n, "/flaky");
    const statuses = await Promise.all(Array.from({ length: 300 }, () => http("GET", `${n.proxyUrl}/flaky`).then((r) => r.status)));
    const failed = statuses.filter((s) => s === 502).length;
    expect(failed).to.be.within(30, 90);
    expect(statuses.filter((s) => s !== 502 && s !== 200)).to.deep.equal([]);
  });

  it("proxy-reset: connections are reset instead of answered", async () => {
    const env = await bootstrapped();
    const n = await start("2.6.0", env, { faults: "proxy-reset@rate=1" });
    await echoRoute(n, "/reset");
    const err = await request(`${n.proxyUrl}/reset`).then(() => null, (e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as { code?: string }).code).to.be.oneOf(["UND_ERR_SOCKET", "ECONNRESET"]);
  });

  it("scopes: node= limits a switch to matching hostnames, after= delays it", async () => {
    const env = await bootstrapped();
    const other = await start("2.6.0", env, { faults: "proxy-5xx@node=blue", hostname: "green-1" });
    await echoRoute(other, "/scoped");
    expect((await http("GET", `${other.proxyUrl}/scoped`)).status).to.equal(200);
    const later = await start("2.6.0", env, { faults: "proxy-5xx@after=1500", hostname: "blue-1" });
    expect((await http("GET", `${later.proxyUrl}/scoped`)).status).to.equal(200);
    await sleep(1600);
    expect((await http("GET", `${later.proxyUrl}/scoped`)).status).to.equal(502);
  });
});
