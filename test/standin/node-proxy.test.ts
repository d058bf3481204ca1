// The node's proxy against a real Postgres and a local upstream: routing, forwarding, Kong's headers
// and Kong's own error responses.
import { createServer } from "node:net";
import { expect } from "chai";
import { EchoUpstream, PgFixture, http, kong, startTestNode, type TestNode } from "./node-helpers.ts";

const V = "2.8.5";
interface Echo { method: string; url: string; headers: Record<string, string> }

describe("stand-in node: proxy (2.8.5, Postgres)", function () {
  let pgf: PgFixture;
  let n: TestNode;
  let up: EchoUpstream;
  let up2: EchoUpstream;
  const admin = (m: string, p: string, b?: unknown) => http(m, `${n.adminUrl}${p}`, b);

  before(async () => {
    pgf = await PgFixture.start();
    [up, up2] = await Promise.all([EchoUpstream.start(), EchoUpstream.start()]);
    const env = await pgf.freshDb();
    await kong(V, ["migrations", "bootstrap"], env);
    n = await startTestNode(V, env);
    await admin("POST", "/services", { name: "echo", url: `http://127.0.0.1:${up.port}/base` });
    await admin("POST", "/services/echo/routes", { name: "strip", paths: ["/echo"] });
    await admin("POST", "/services/echo/routes", { name: "keep", paths: ["/keep"], strip_path: false, methods: ["GET"] });
    await admin("POST", "/services/echo/routes", { name: "by-host", hosts: ["api.example.test", "*.wild.test"], preserve_host: true });
  });
  after(async () => { await n?.close(); await up?.close(); await up2?.close(); await pgf?.stop(); });

  it("forwards to the service with strip_path and adds Via and the latency headers", async () => {
    const r = await http("GET", `${n.proxyUrl}/echo/items?q=1`);
    expect(r.status).to.equal(200);
    expect((r.body as Echo).url).to.equal("/base/items?q=1");
    expect(r.headers.via).to.equal(`kong/${V}`);
    expect(r.headers["x-kong-upstream-latency"]).to.match(/^\d+$/);
    expect(r.headers["x-kong-proxy-latency"]).to.match(/^\d+$/);
    expect(r.headers["x-upstream"]).to.equal("echo");
    expect((r.body as Echo).headers["x-forwarded-port"]).to.equal(String(n.node.proxy[0]!.port));
  });

  it("keeps the path without strip_path and matches methods", async () => {
    expect(((await http("GET", `${n.proxyUrl}/keep/x`)).body as Echo).url).to.equal("/base/keep/x");
    const post = await http("POST", `${n.proxyUrl}/keep/x`, {});
    expect(post.status).to.equal(404);
  });

  it("matches hosts (exact and wildcard) and preserves the Host header when asked", async () => {
    const exact = await http("GET", `${n.proxyUrl}/anything`, undefined, { host: "api.example.test" });
    expect((exact.body as Echo).headers.host).to.equal("api.example.test");
    const wild = await http("GET", `${n.proxyUrl}/anything`, undefined, { host: "a.wild.test" });
    expect(wild.status).to.equal(200);
    const plain = await http("GET", `${n.proxyUrl}/echo`);
    expect((plain.body as Echo).headers.host).to.equal(`127.0.0.1:${up.port}`);
  });

  it("answers 404 no Route matched, with Server: kong/<version>", async () => {
    const r = await http("GET", `${n.proxyUrl}/nowhere`);
    expect(r.status).to.equal(404);
    expect(r.text).to.equal('{"message":"no Route matched with those values"}');
    expect(r.headers.server).to.equal(`kong/${V}`);
    expect(r.headers["x-kong-response-latency"]).to.match(/^\d+$/);
    expect(r.headers).to.not.have.property("via");
  });

  it("answers 502 when the upstream refuses connections", async () => {
    const free = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
    await admin("POST", "/services", { name: "dead", url: `http://127.0.0.1:${free}` });
    await admin("POST", "/services/dead/routes", { paths: ["/dead"] });
    const r = await http("GET", `${n.proxyUrl}/dead`);
    expect(r.status).to.equal(502);
    expect(r.body).to.deep.equal({ message: "An invalid response was received from the upstream server" });
  });

  it("balances over an upstream's targets round-robin", async () => {
    await admin("POST", "/upstreams", { name: "pool.internal" });
    await admin("POST", "/upstreams/pool.internal/targets", { target: `127.0.0.1:${up.port}` });
    await admin("POST", "/upstreams/pool.internal/targets", { target: `127.0.0.1:${up2.port}` });
    await admin("POST", "/services", { name: "balanced", host: "pool.internal" });
    await admin("POST", "/services/balanced/routes", { paths: ["/lb"] });
    const ports: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await http("GET", `${n.proxyUrl}/lb`);
      expect((r.body as Echo).headers.host).to.equal("pool.internal");
      ports.push(String(r.headers["x-upstream-port"]));
    }
    expect(new Set(ports)).to.deep.equal(new Set([String(up.port), String(up2.port)]));
    expect(ports[0]).to.not.equal(ports[1]);
  });

  it("answers 503 when an upstream has no targets", async () => {
    await admin("POST", "/upstreams", { name: "empty.internal" });
    await admin("POST", "/services", { name: "empty", host: "empty.internal" });
    await admin("POST", "/services/empty/routes", { paths: ["/empty"] });
    const r = await http("GET", `${n.proxyUrl}/empty`);
    expect(r.status).to.equal(503);
    expect(r.body).to.deep.equal({ message: "failure to get a peer from the ring-balancer" });
  });
});
