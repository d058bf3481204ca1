// key-auth and rate-limiting on stand-in nodes sharing one Postgres: credentials written on one
// node authenticate on the other, and the rate-limiting counters are shared (policy cluster).
import { expect } from "chai";
import { http, startTwoNodes, stopTwoNodes, until, type EchoUpstream, type PgFixture, type TestNode } from "./node-helpers.ts";

const V = "2.6.0";
interface Echo { headers: Record<string, string>; url: string }

describe("stand-in node: key-auth and rate-limiting across two nodes (2.6.0)", function () {
  let pgf: PgFixture;
  let a: TestNode;
  let b: TestNode;
  let up: EchoUpstream;
  const admin = (m: string, p: string, body?: unknown) => http(m, `${a.adminUrl}${p}`, body);

  before(async () => {
    ({ pgf, up, a, b } = await startTwoNodes(V));
    await admin("POST", "/services", { name: "secure", url: `http://127.0.0.1:${up.port}` });
    await admin("POST", "/services/secure/routes", { paths: ["/secure"] });
    await admin("POST", "/services/secure/plugins", { name: "key-auth", config: { hide_credentials: true } });
    await admin("POST", "/services", { name: "limited", url: `http://127.0.0.1:${up.port}` });
    await admin("POST", "/services/limited/routes", { paths: ["/limited"] });
    const rl = await admin("POST", "/services/limited/plugins", { name: "rate-limiting", config: { minute: 4, limit_by: "ip" } });
    expect(rl.status).to.equal(201);
    expect((rl.body as { config: Record<string, unknown> }).config).to.include({ policy: "cluster", minute: 4, limit_by: "ip", second: null });
    await admin("POST", "/consumers", { username: "alice" });
    await admin("POST", "/consumers/alice/key-auth", { key: "alice-key" });
    // Node b learns of all this through cluster_events (db_update_frequency 1 s).
    await until("node b routes /secure", async () => (await http("GET", `${b.proxyUrl}/secure`)).status === 401, 5000);
  });
  after(() => stopTwoNodes({ a, b, up, pgf }));

  for (const which of ["a", "b"] as const) {
    it(`key-auth on node ${which}: 401 without a key, 401 with a wrong key, 200 with alice's`, async () => {
      const n = which === "a" ? a : b;
      const none = await http("GET", `${n.proxyUrl}/secure`);
      expect(none.status).to.equal(401);
      expect(none.body).to.deep.equal({ message: "No API key found in request" });
      expect(none.headers["www-authenticate"]).to.equal('Key realm="kong"');
      const wrong = await http("GET", `${n.proxyUrl}/secure`, undefined, { apikey: "nope" });
      expect(wrong.status).to.equal(401);
      expect(wrong.body).to.deep.equal({ message: "Invalid authentication credentials" });
      const ok = await http("GET", `${n.proxyUrl}/secure`, undefined, { apikey: "alice-key" });
      expect(ok.status).to.equal(200);
      const seen = (ok.body as Echo).headers;
      expect(seen["x-consumer-username"]).to.equal("alice");
      expect(seen).to.not.have.property("apikey"); // hide_credentials
      const q = await http("GET", `${n.proxyUrl}/secure?apikey=alice-key`);
      expect(q.status).to.equal(200);
      expect((q.body as Echo).url).to.equal("/");
    });
  }

  it("a credential created on node a authenticates on node b after a poll (its cached miss is invalidated)", async () => {
    expect((await http("GET", `${b.proxyUrl}/secure`, undefined, { apikey: "bob-key" })).status).to.equal(401);
    await admin("POST", "/consumers", { username: "bob" });
    await admin("POST", "/consumers/bob/key-auth", { key: "bob-key" });
    await until("bob's key accepted on b", async () => (await http("GET", `${b.proxyUrl}/secure`, undefined, { apikey: "bob-key" })).status === 200, 5000);
  });

  it("rate-limiting counts across both nodes and answers 429 past the limit, with X-RateLimit-* headers", async () => {
    await until("node b has the rate-limiting plugin", async () => (await http("GET", `${b.proxyUrl}/limited`)).headers["x-ratelimit-limit-minute"] === "4", 5000);
    // The waiting request above counted on b; start from a fresh minute's view of the counter.
    const seen: Array<[number, string | undefined]> = [];
    for (let i = 0; i < 6; i++) {
      const n = i % 2 === 0 ? a : b;
      const r = await http("GET", `${n.proxyUrl}/limited`);
      seen.push([r.status, r.headers["x-ratelimit-remaining-minute"] as string | undefined]);
      if (r.status === 429) {
        expect(r.body).to.deep.equal({ message: "API rate limit exceeded" });
        expect(r.headers["ratelimit-limit"]).to.equal("4");
        expect(r.headers["ratelimit-remaining"]).to.equal("0");
        expect(r.headers["retry-after"]).to.match(/^\d+$/);
      }
      await new Promise((res) => setTimeout(res, 50)); // counters are incremented after the response, as in Kong
    }
    const statuses = seen.map(([s]) => s);
    // 4 per minute in total, whichever node served them (the minute may roll over once mid-test).
    expect(statuses.filter((s) => s === 200).length).to.be.within(3, 5);
    expect(statuses).to.include(429);
    expect(seen.find(([s]) => s === 200)![1]).to.match(/^\d+$/);
  });
});
