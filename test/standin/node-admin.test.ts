// The node's Admin API against a real Postgres: Kong's status codes, bodies and headers.
import { expect } from "chai";
import { PgFixture, http, kong, startTestNode, type TestNode } from "./node-helpers.ts";

const V = "2.6.0";

describe("stand-in node: Admin API (2.6.0, Postgres)", function () {
  let pgf: PgFixture;
  let n: TestNode;

  before(async () => {
    pgf = await PgFixture.start();
    const env = await pgf.freshDb();
    await kong(V, ["migrations", "bootstrap"], env);
    n = await startTestNode(V, env);
  });
  after(async () => { await n?.close(); await pgf?.stop(); });

  it("GET / shows the version, a node_id and the tagline, with Server and X-Kong-Admin-Latency", async () => {
    const r = await http("GET", `${n.adminUrl}/`);
    const body = r.body as Record<string, unknown>;
    expect(r.status).to.equal(200);
    expect(body.tagline).to.equal("Welcome to kong");
    expect(body.version).to.equal(V);
    expect(body.node_id).to.equal(n.node.nodeId).and.match(/^[0-9a-f-]{36}$/);
    expect((body.plugins as { available_on_server: Record<string, unknown> }).available_on_server["key-auth"]).to.equal(true);
    expect((body.configuration as Record<string, unknown>).database).to.equal("postgres");
    expect(r.headers.server).to.equal(`kong/${V}`);
    expect(r.headers["x-kong-admin-latency"]).to.match(/^\d+$/);
  });

  it("GET /status reports the database as reachable", async () => {
    const r = await http("GET", `${n.adminUrl}/status`);
    expect(r.status).to.equal(200);
    expect((r.body as { database: { reachable: boolean } }).database.reachable).to.equal(true);
    expect((r.body as { server: Record<string, number> }).server).to.have.property("total_requests");
  });

  it("creates a service from the url shorthand (201) with the 2.6 shape, nulls included", async () => {
    const r = await http("POST", `${n.adminUrl}/services`, { name: "svc-a", url: "http://example.test:8080/base" });
    expect(r.status).to.equal(201);
    expect(r.body).to.include({ name: "svc-a", protocol: "http", host: "example.test", port: 8080, path: "/base", retries: 5, tags: null, tls_verify: null });
    expect(Object.keys(r.body as object)).to.not.include("enabled"); // services.enabled is 2.7+
    expect(Number.isInteger((r.body as { created_at: number }).created_at)).to.equal(true);
  });

  it("rejects a service without host: 400 code 2 with Kong's message", async () => {
    const r = await http("POST", `${n.adminUrl}/services`, { name: "no-host" });
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal({ code: 2, name: "schema violation", message: "schema violation (host: required field missing)", fields: { host: "required field missing" } });
  });

  it("counts several violations: `N schema violations (a; b)`", async () => {
    const r = await http("POST", `${n.adminUrl}/services`, { port: "x", foo: 1 });
    expect(r.status).to.equal(400);
    expect((r.body as { message: string }).message).to.equal("3 schema violations (foo: unknown field; host: required field missing; port: expected an integer)");
  });

  it("rejects a duplicate name: 409 code 5", async () => {
    const r = await http("POST", `${n.adminUrl}/services`, { name: "svc-a", host: "x.test" });
    expect(r.status).to.equal(409);
    expect(r.body).to.deep.equal({ code: 5, name: "unique constraint violation", message: "UNIQUE violation detected on '{name=\"svc-a\"}'", fields: { name: "svc-a" } });
  });

  it("rejects a route to a missing service: 400 code 4", async () => {
    const id = "6f1c7c5e-0000-4000-8000-000000000001";
    const r = await http("POST", `${n.adminUrl}/routes`, { paths: ["/x"], service: { id } });
    expect(r.status).to.equal(400);
    expect((r.body as { code: number; message: string }).code).to.equal(4);
    expect((r.body as { message: string }).message).to.equal(`the foreign key '{id="${id}"}' does not reference an existing 'services' entity.`);
  });

  it("requires route matching criteria", async () => {
    const r = await http("POST", `${n.adminUrl}/services/svc-a/routes`, {});
    expect(r.status).to.equal(400);
    expect((r.body as { message: string }).message).to.equal("schema violation (must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https')");
  });

  it("reads by id and by name, 404 {message: Not found} otherwise", async () => {
    const byName = await http("GET", `${n.adminUrl}/services/svc-a`);
    expect(byName.status).to.equal(200);
    const byId = await http("GET", `${n.adminUrl}/services/${(byName.body as { id: string }).id}`);
    expect(byId.body).to.deep.equal(byName.body);
    const missing = await http("GET", `${n.adminUrl}/services/nope`);
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal({ message: "Not found" });
    expect((await http("GET", `${n.adminUrl}/nothing-here`)).body).to.deep.equal({ message: "Not found" });
  });

  it("PATCH updates (200); PATCH of a missing entity is 404 code 6", async () => {
    const r = await http("PATCH", `${n.adminUrl}/services/svc-a`, { retries: 2 });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ retries: 2, host: "example.test" });
    const missing = await http("PATCH", `${n.adminUrl}/services/ghost`, { retries: 1 });
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal({ code: 6, name: "not found", message: "could not find the entity with '{name=\"ghost\"}'", fields: { name: "ghost" } });
  });

  it("PUT upserts by name (200), DELETE answers 204 also for a missing entity", async () => {
    const put = await http("PUT", `${n.adminUrl}/services/svc-put`, { host: "put.test" });
    expect(put.status).to.equal(200);
    expect(put.body).to.include({ name: "svc-put", host: "put.test" });
    expect((await http("DELETE", `${n.adminUrl}/services/svc-put`)).status).to.equal(204);
    expect((await http("DELETE", `${n.adminUrl}/services/svc-put`)).status).to.equal(204);
    expect((await http("GET", `${n.adminUrl}/services/svc-put`)).status).to.equal(404);
  });

  it("pages lists with {data, next, offset}", async () => {
    for (const c of ["c1", "c2", "c3"]) expect((await http("POST", `${n.adminUrl}/consumers`, { username: c })).status).to.equal(201);
    const p1 = await http("GET", `${n.adminUrl}/consumers?size=2`);
    const b1 = p1.body as { data: unknown[]; next: string | null; offset?: string };
    expect(b1.data).to.have.length(2);
    expect(b1.next).to.equal(`/consumers?offset=${encodeURIComponent(b1.offset!)}`);
    const p2 = await http("GET", `${n.adminUrl}${b1.next!}&size=2`);
    const b2 = p2.body as { data: unknown[]; next: string | null; offset?: string };
    expect(b2.data).to.have.length(1);
    expect(b2.next).to.equal(null);
    expect(b2).to.not.have.property("offset");
  });

  it("consumers need a username or custom_id", async () => {
    const r = await http("POST", `${n.adminUrl}/consumers`, {});
    expect((r.body as { message: string }).message).to.equal("schema violation (at least one of these fields must be non-empty: 'custom_id', 'username')");
  });

  it("serves nested endpoints: service routes, consumer key-auth (generated key), upstream targets", async () => {
    expect((await http("POST", `${n.adminUrl}/services/svc-a/routes`, { name: "r-nested", paths: ["/nested"] })).status).to.equal(201);
    const routes = await http("GET", `${n.adminUrl}/services/svc-a/routes`);
    expect((routes.body as { data: Array<{ name: string }> }).data.map((r) => r.name)).to.deep.equal(["r-nested"]);
    const cred = await http("POST", `${n.adminUrl}/consumers/c1/key-auth`, {});
    expect(cred.status).to.equal(201);
    expect((cred.body as { key: string }).key).to.match(/^[0-9a-f]{32}$/);
    expect((await http("POST", `${n.adminUrl}/upstreams`, { name: "up-a" })).status).to.equal(201);
    const t = await http("POST", `${n.adminUrl}/upstreams/up-a/targets`, { target: "127.0.0.1" });
    expect(t.status).to.equal(201);
    expect(t.body).to.include({ target: "127.0.0.1:8000", weight: 100 });
    const again = await http("POST", `${n.adminUrl}/upstreams/up-a/targets`, { target: "127.0.0.1:8000", weight: 50 });
    expect(again.status).to.equal(200);
    expect(again.headers.deprecation).to.equal("true");
  });

  it("refuses plugins the node does not enable", async () => {
    const r = await http("POST", `${n.adminUrl}/plugins`, { name: "no-such-plugin" });
    expect(r.status).to.equal(400);
    expect((r.body as { message: string }).message).to.equal("schema violation (name: plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property)");
  });
});
