// Stand-in nodes (2.6.0) sharing one Cassandra keyspace: an Admin API write on node a reaches node b's
// proxy only through cluster_events polling; key-auth credentials and rate-limiting counters
// (counter column, policy cluster) are shared; db_export from one keyspace and db_import into a
// fresh one give the same entities.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { ENTITY_TABLES, entityFor } from "../../standin/src/catalogue/entities.ts";
import { runKong } from "../support/standin.ts";
import { sharedCassandra, type CassandraFixture } from "./cassandra-fixture.ts";
import { EchoUpstream, http, kong, startTestNode, until, type TestNode } from "./node-helpers.ts";

const V = "2.6.0";
const FREQ_S = 2;

describe("stand-in on Cassandra: two 2.6.0 nodes", function () {
  this.timeout(120_000);
  let cass: CassandraFixture;
  let env: Record<string, string>;
  let a: TestNode;
  let b: TestNode;
  let up: EchoUpstream;
  const admin = (m: string, p: string, body?: unknown) => http(m, `${a.adminUrl}${p}`, body);

  before(async () => {
    cass = await sharedCassandra();
    up = await EchoUpstream.start();
    env = cass.freshKeyspace("knodes");
    await kong(V, ["migrations", "bootstrap"], env);
    const opts = { env: { KONG_DB_UPDATE_FREQUENCY: String(FREQ_S) } };
    [a, b] = await Promise.all([startTestNode(V, env, { ...opts, hostname: "a" }), startTestNode(V, env, { ...opts, hostname: "b" })]);
  });
  after(async () => { await a?.close(); await b?.close(); await up?.close(); });

  it("a route created on a reaches b's proxy after b's poll, not before, within db_update_frequency", async () => {
    expect((await admin("POST", "/services", { name: "s", url: `http://127.0.0.1:${up.port}` })).status).to.equal(201);
    expect((await http("GET", `${b.proxyUrl}/p`)).status).to.equal(404);
    expect((await admin("POST", "/services/s/routes", { paths: ["/p"] })).status).to.equal(201);
    expect((await http("GET", `${a.proxyUrl}/p`)).status, "the writing node sees its write at once").to.equal(200);
    expect((await http("GET", `${b.proxyUrl}/p`)).status, "b has not polled yet").to.equal(404);
    const elapsed = await until("route visible on b", async () => (await http("GET", `${b.proxyUrl}/p`)).status === 200, 8000, 50);
    expect(elapsed).to.be.at.most(FREQ_S * 1000 + 800);
    const res = await http("GET", `${b.proxyUrl}/p`);
    expect(res.headers.via).to.equal(`kong/${V}`);
    // The Admin API shows Kong's shapes, read back from Cassandra.
    const svc = (await http("GET", `${b.adminUrl}/services/s`)).body as Record<string, unknown>;
    expect(svc).to.include({ name: "s", host: "127.0.0.1", port: up.port, protocol: "http", retries: 5, path: null });
    expect(((await admin("GET", "/services")).body as { data: unknown[] }).data).to.have.length(1);
    expect((await admin("POST", "/services", { name: "s", host: "x" })).status).to.equal(409);
  });

  it("key-auth: a credential created on a authenticates on b; without a key 401", async () => {
    await admin("POST", "/services", { name: "secure", url: `http://127.0.0.1:${up.port}` });
    await admin("POST", "/services/secure/routes", { paths: ["/secure"] });
    expect((await admin("POST", "/services/secure/plugins", { name: "key-auth" })).status).to.equal(201);
    await admin("POST", "/consumers", { username: "alice" });
    expect((await admin("POST", "/consumers/alice/key-auth", { key: "alice-key" })).status).to.equal(201);
    await until("b enforces key-auth", async () => (await http("GET", `${b.proxyUrl}/secure`)).status === 401, 8000);
    expect((await http("GET", `${b.proxyUrl}/secure`)).body).to.deep.equal({ message: "No API key found in request" });
    const okB = await http("GET", `${b.proxyUrl}/secure`, undefined, { apikey: "alice-key" });
    expect(okB.status).to.equal(200);
    expect((okB.body as { headers: Record<string, string> }).headers["x-consumer-username"]).to.equal("alice");
    expect((await http("GET", `${a.proxyUrl}/secure`, undefined, { apikey: "wrong" })).status).to.equal(401);
  });

  it("rate-limiting (policy cluster): both nodes count in the same Cassandra counter", async () => {
    await admin("POST", "/services", { name: "limited", url: `http://127.0.0.1:${up.port}` });
    await admin("POST", "/services/limited/routes", { paths: ["/limited"] });
    expect((await admin("POST", "/services/limited/plugins", { name: "rate-limiting", config: { minute: 3, limit_by: "ip" } })).status).to.equal(201);
    await until("b limits", async () => (await http("GET", `${b.proxyUrl}/limited`)).headers["x-ratelimit-limit-minute"] === "3", 8000);
    // b's probe above counted once; counters are written after the response, so give them a moment.
    const statuses: number[] = [];
    for (const n of [a, b, a]) {
      await new Promise((r) => setTimeout(r, 150));
      statuses.push((await http("GET", `${n.proxyUrl}/limited`)).status);
    }
    expect(statuses.slice(0, 2)).to.deep.equal([200, 200]);
    expect(statuses[2]).to.equal(429);
    const onB = await http("GET", `${b.proxyUrl}/limited`);
    expect([onB.status, onB.body]).to.deep.equal([429, { message: "API rate limit exceeded" }]);
  });

  it("db_export from this keyspace and db_import into a fresh one give the same entities", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kong-standin-cass-export-")), "kong.yml");
    const exp = await runKong(V, ["config", "db_export", file], env);
    expect(exp).to.deep.equal({ exitCode: 0, stdout: "", stderr: "" });
    const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    expect(Object.keys(doc)).to.deep.equal(["_format_version", "_transform", "services", "routes", "consumers", "plugins", "keyauth_credentials"]);
    const fresh = cass.freshKeyspace("kimport");
    await kong(V, ["migrations", "bootstrap"], fresh);
    const imp = await runKong(V, ["config", "db_import", file], fresh);
    expect([imp.exitCode, imp.stdout]).to.deep.equal([0, "parse successful, beginning import\nimport successful\n"]);
    const c = await startTestNode(V, fresh, { hostname: "c" });
    try {
      const byId = (rows: Record<string, unknown>[]): Record<string, unknown>[] => [...rows].sort((x, y) => String(x.id).localeCompare(String(y.id)));
      // The keyspaces have the tables of core and key-auth (KONG_PLUGINS=key-auth,rate-limiting).
      for (const t of ENTITY_TABLES.filter((t) => ["core", "key-auth"].includes(entityFor(V, t).subsystem))) {
        expect(byId(await c.ds.entities.all(t)), t).to.deep.equal(byId(await a.ds.entities.all(t)));
      }
      expect((await http("GET", `${c.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).status).to.equal(200);
    } finally {
      await c.close();
    }
  });
});
