// The modelled plugins on stand-in nodes sharing a real datastore: the storefront plugins in Kong's
// priority order on one route, credentials and ACL groups written through one node taking effect on
// the other once its cache is invalidated (as Kong's cache keys do), a consumer's delete taking its
// credentials with it, and the same credentials stored on Cassandra.
import { expect } from "chai";
import { sharedCassandra } from "./cassandra-fixture.ts";
import { EchoUpstream, PgFixture, http, kong, startTestNode, startTwoNodes, stopTwoNodes, until, type TestNode } from "./node-helpers.ts";

const V = "2.5.1";
interface Echo { headers: Record<string, string>; url: string; method: string }
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("stand-in node: the plugin pipeline on Postgres (2.5.1, two nodes)", function () {
  let pgf: PgFixture;
  let up: EchoUpstream;
  let a: TestNode;
  let b: TestNode;
  const admin = (m: string, p: string, body?: unknown) => http(m, `${a.adminUrl}${p}`, body);

  before(async () => {
    ({ pgf, up, a, b } = await startTwoNodes(V));
    expect((await admin("POST", "/services", { name: "shop", url: `http://127.0.0.1:${up.port}` })).status).to.equal(201);
    await admin("POST", "/services/shop/routes", { name: "orders", paths: ["/orders"] });
    for (const plugin of [
      { name: "basic-auth", config: { hide_credentials: true } }, { name: "acl", config: { allow: ["gold"] } },
      { name: "cors", config: { origins: ["https://shop.example"], credentials: true } },
      { name: "request-size-limiting", config: { allowed_payload_size: 1, size_unit: "kilobytes" } },
      { name: "correlation-id", config: { echo_downstream: true } }, { name: "response-transformer", config: { add: { headers: ["x-shop:1"] }, remove: { headers: ["x-upstream"] } } },
      { name: "rate-limiting", config: { minute: 1000, policy: "local" } },
    ]) expect((await admin("POST", "/routes/orders/plugins", plugin)).status, plugin.name).to.equal(201);
    await admin("POST", "/consumers", { username: "alice" });
    expect((await admin("POST", "/consumers/alice/basic-auth", { username: "alice", password: "s3cret" })).status).to.equal(201);
    expect((await admin("POST", "/consumers/alice/acls", { group: "gold" })).status).to.equal(201);
    await until("node b routes /orders", async () => (await http("GET", `${b.proxyUrl}/orders`)).status === 401, 5000);
  });
  after(() => stopTwoNodes({ a, b, up, pgf }));

  it("runs the storefront's plugins in priority order on both nodes", async () => {
    for (const n of [a, b]) {
      const none = await http("GET", `${n.proxyUrl}/orders`, undefined, { origin: "https://shop.example" });
      expect([none.status, none.body]).to.deep.equal([401, { message: "Unauthorized" }]);
      expect(none.text).to.equal('{\n  "message":"Unauthorized"\n}');
      expect(none.headers["www-authenticate"]).to.equal('Basic realm="kong"');
      // Plugins configured after the one that answered still run their header_filter (cors, correlation-id, response-transformer).
      expect(none.headers["access-control-allow-origin"]).to.equal("https://shop.example");
      expect(none.headers["kong-request-id"]).to.match(/#\d+$/);
      expect(none.headers["x-shop"]).to.equal("1");
      expect(none.headers).to.not.have.property("x-ratelimit-limit-minute");
      const ok = await http("GET", `${n.proxyUrl}/orders/42`, undefined, { authorization: basic("alice", "s3cret") });
      expect(ok.status).to.equal(200);
      const seen = (ok.body as Echo).headers;
      expect(seen).to.include({ "x-consumer-username": "alice", "x-credential-identifier": "alice", "x-credential-username": "alice", "x-consumer-groups": "gold" });
      expect(seen).to.not.have.property("authorization"); // hide_credentials
      expect(seen["kong-request-id"]).to.equal(ok.headers["kong-request-id"]);
      expect(ok.headers["x-shop"]).to.equal("1");
      expect(ok.headers).to.not.have.property("x-upstream");
      expect(ok.headers["x-ratelimit-limit-minute"]).to.equal("1000");
      const wrong = await http("GET", `${n.proxyUrl}/orders`, undefined, { authorization: basic("alice", "nope") });
      expect([wrong.status, wrong.body]).to.deep.equal([401, { message: "Invalid authentication credentials" }]);
      const big = await http("POST", `${n.proxyUrl}/orders`, "x".repeat(2000), { authorization: basic("alice", "s3cret") });
      expect([big.status, big.body]).to.deep.equal([413, { message: "Request size limit exceeded" }]);
      const preflight = await http("OPTIONS", `${n.proxyUrl}/orders`, undefined, { origin: "https://shop.example", "access-control-request-method": "POST" });
      expect([preflight.status, preflight.text, preflight.headers["access-control-allow-methods"]]).to.deep.equal([200, "", "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT"]);
    }
  });

  it("stores the password hashed and serves credentials at Kong's endpoints", async () => {
    const consumer = (await admin("GET", "/consumers/alice")).body as { id: string };
    const cred = (await admin("GET", "/basic-auths/alice")).body as Record<string, unknown>;
    expect(cred).to.include({ username: "alice" }).and.have.property("password").that.matches(/^[0-9a-f]{40}$/).and.not.equal("s3cret");
    expect(cred.consumer).to.deep.equal({ id: consumer.id });
    expect((await admin("GET", "/consumers/alice/acls/gold")).body).to.include({ group: "gold" });
    const missing = await admin("GET", "/consumers/alice/acls/silver");
    expect([missing.status, missing.text]).to.deep.equal([404, '{\n  "message":"Not found"\n}']);
    const dup = await admin("POST", "/consumers/alice/acls", { group: "gold" });
    expect([dup.status, (dup.body as { message: string }).message]).to.deep.equal([409, `UNIQUE violation detected on '{consumer={id="${consumer.id}"},group="gold"}'`]);
    const jwt = await admin("POST", "/consumers/alice/jwt", {});
    expect(jwt.status).to.equal(201);
    expect(jwt.body).to.include({ algorithm: "HS256", rsa_public_key: null }).and.have.property("key").that.matches(/^[A-Za-z0-9]{32}$/);
    expect(((await admin("GET", "/jwts")).body as { data: unknown[] }).data).to.have.length(1);
    const unknown = await admin("POST", "/plugins", { name: "http-log", config: { http_endpoint: "http://log.example" } });
    expect([unknown.status, (unknown.body as { message: string }).message])
      .to.deep.equal([400, "schema violation (name: plugin 'http-log' not enabled; add it to the 'plugins' configuration property)"]);
    const info = (await admin("GET", "/")).body as { plugins: { available_on_server: Record<string, unknown> } };
    expect(Object.keys(info.plugins.available_on_server)).to.include.members(["basic-auth", "acl", "cors", "proxy-cache"]).and.not.include("http-log");
  });

  it("a group and a password changed through node a apply on node b once its cache entries are invalidated", async () => {
    await admin("POST", "/consumers", { username: "bob" });
    await admin("POST", "/consumers/bob/basic-auth", { username: "bob", password: "pw" });
    await until("bob authenticates on b but is not in gold (403)", async () => (await http("GET", `${b.proxyUrl}/orders`, undefined, { authorization: basic("bob", "pw") })).status === 403, 5000);
    await admin("PUT", "/consumers/bob/acls/gold", {});
    await until("bob's new group reaches b", async () => (await http("GET", `${b.proxyUrl}/orders`, undefined, { authorization: basic("bob", "pw") })).status === 200, 5000);
    expect((await admin("PATCH", "/consumers/bob/basic-auth/bob", { password: "pw2" })).status).to.equal(200);
    await until("bob's old password refused on b", async () => (await http("GET", `${b.proxyUrl}/orders`, undefined, { authorization: basic("bob", "pw") })).status === 401, 5000);
    expect((await http("GET", `${b.proxyUrl}/orders`, undefined, { authorization: basic("bob", "pw2") })).status).to.equal(200);
    // Deleting the consumer takes its credential with it, and invalidates it everywhere.
    expect((await admin("DELETE", "/consumers/bob")).status).to.equal(204);
    expect((await admin("GET", "/basic-auths/bob")).status).to.equal(404);
    await until("bob refused on b after the delete", async () => (await http("GET", `${b.proxyUrl}/orders`, undefined, { authorization: basic("bob", "pw2") })).status === 401, 5000);
  });
});

describe("stand-in node: plugin versions (one node per version)", function () {
  let pgf: PgFixture;
  let up: EchoUpstream;
  before(async () => { pgf = await PgFixture.start(); up = await EchoUpstream.start(); });
  after(async () => { await up?.close(); await pgf?.stop(); });

  async function node(version: string): Promise<TestNode> {
    const env = await pgf.freshDb();
    await kong(version, ["migrations", "bootstrap"], env);
    return startTestNode(version, env);
  }

  it("2.0.5: ACL refuses a request without a consumer with 403, kong.response.exit's compact body; whitelist is the list's name", async () => {
    const n = await node("2.0.5");
    try {
      await http("POST", `${n.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${up.port}` });
      await http("POST", `${n.adminUrl}/services/s/routes`, { name: "r", paths: ["/r"] });
      expect((await http("POST", `${n.adminUrl}/routes/r/plugins`, { name: "acl", config: { allow: ["gold"] } })).status).to.equal(400);
      expect((await http("POST", `${n.adminUrl}/routes/r/plugins`, { name: "acl", config: { whitelist: ["gold"] } })).status).to.equal(201);
      await until("route r served", async () => (await http("GET", `${n.proxyUrl}/r`)).status !== 404, 5000);
      const r = await http("GET", `${n.proxyUrl}/r`);
      expect([r.status, r.text]).to.deep.equal([403, '{"message":"You cannot consume this service"}']);
    } finally { await n.close(); }
  });

  it("3.0.1: a valid JWT satisfies the authentication OR: key-auth with `anonymous` keeps the consumer jwt authenticated", async () => {
    const n = await node("3.0.1");
    try {
      const admin = (m: string, p: string, body?: unknown) => http(m, `${n.adminUrl}${p}`, body);
      await admin("POST", "/services", { name: "s", url: `http://127.0.0.1:${up.port}` });
      await admin("POST", "/services/s/routes", { name: "r", paths: ["/r"] });
      await admin("POST", "/consumers", { username: "anon" });
      await admin("POST", "/consumers", { username: "alice" });
      await admin("POST", "/consumers/alice/jwt", { key: "alice-iss", secret: "shh" });
      expect((await admin("POST", "/routes/r/plugins", { name: "jwt", config: { anonymous: "anon" } })).status).to.equal(201);
      expect((await admin("POST", "/routes/r/plugins", { name: "key-auth", config: { anonymous: "anon" } })).status).to.equal(201);
      const { createHmac } = await import("node:crypto");
      const head = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"iss":"alice-iss"}').toString("base64url")}`;
      const token = `${head}.${createHmac("sha256", "shh").update(head).digest("base64url")}`;
      // 3.0 rebuilds its router in the background (worker_consistency = eventual).
      await until("route r served", async () => (await http("GET", `${n.proxyUrl}/r`)).status === 200, 10_000);
      const withToken = await http("GET", `${n.proxyUrl}/r`, undefined, { authorization: `Bearer ${token}` });
      expect((withToken.body as Echo).headers).to.include({ "x-consumer-username": "alice", "x-credential-identifier": "alice-iss" });
      const anonymous = await http("GET", `${n.proxyUrl}/r`);
      expect((anonymous.body as Echo).headers).to.include({ "x-consumer-username": "anon", "x-anonymous-consumer": "true" });
    } finally { await n.close(); }
  });
});

describe("stand-in node: credentials of the modelled plugins on Cassandra (2.5.1)", function () {
  it("stores basic-auth, ACL and JWT credentials and authenticates with them", async () => {
    const cass = await sharedCassandra();
    const up = await EchoUpstream.start();
    const env = cass.freshKeyspace("plugins", "bundled");
    await kong(V, ["migrations", "bootstrap"], env);
    const n = await startTestNode(V, env);
    try {
      const admin = (m: string, p: string, body?: unknown) => http(m, `${n.adminUrl}${p}`, body);
      await admin("POST", "/services", { name: "s", url: `http://127.0.0.1:${up.port}` });
      await admin("POST", "/services/s/routes", { name: "r", paths: ["/r"] });
      await admin("POST", "/routes/r/plugins", { name: "basic-auth" });
      await admin("POST", "/routes/r/plugins", { name: "acl", config: { allow: ["gold"] } });
      await admin("POST", "/consumers", { username: "alice" });
      expect((await admin("POST", "/consumers/alice/basic-auth", { username: "alice", password: "pw" })).status).to.equal(201);
      expect((await admin("POST", "/consumers/alice/acls", { group: "gold" })).status).to.equal(201);
      expect((await admin("POST", "/consumers/alice/jwt", { key: "k1" })).status).to.equal(201);
      expect((await admin("GET", "/basic-auths/alice")).body).to.include({ username: "alice" });
      expect((await admin("GET", "/consumers/alice/acls/gold")).status).to.equal(200);
      expect((await admin("GET", "/jwts/k1")).body).to.include({ key: "k1", algorithm: "HS256" });
      await until("route r served", async () => (await http("GET", `${n.proxyUrl}/r`)).status === 401, 5000);
      const ok = await http("GET", `${n.proxyUrl}/r`, undefined, { authorization: basic("alice", "pw") });
      expect(ok.status).to.equal(200);
      expect((ok.body as Echo).headers).to.include({ "x-consumer-username": "alice", "x-consumer-groups": "gold" });
      expect((await admin("DELETE", "/consumers/alice")).status).to.equal(204);
      expect((await admin("GET", "/jwts/k1")).status).to.equal(404);
    } finally { await n.close(); await up.close(); }
  });
});
