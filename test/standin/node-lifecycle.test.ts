// The node as `kong docker-start` runs it (local process): SIGQUIT finishes in-flight requests and
// exits 0; and 3.x's eventual worker consistency delays even the writing node's own router.
import { createServer } from "node:net";
import { expect } from "chai";
import { startLocalKong } from "../support/standin.ts";
import { EchoUpstream, PgFixture, http, kong, startTestNode, until } from "./node-helpers.ts";

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

describe("stand-in node: lifecycle", function () {
  let pgf: PgFixture;
  let up: EchoUpstream;
  before(async () => { pgf = await PgFixture.start(); up = await EchoUpstream.start(); });
  after(async () => { await up?.close(); await pgf?.stop(); });

  it("SIGQUIT lets an in-flight request finish, then stops listening and exits 0", async () => {
    const env = await pgf.freshDb();
    await kong("2.6.0", ["migrations", "bootstrap"], env);
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    const node = startLocalKong("2.6.0", { ...env, KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}` });
    try {
      const admin = `http://127.0.0.1:${adminPort}`;
      await until("admin API up", () => http("GET", `${admin}/status`).then((r) => r.status === 200, () => false), 20_000, 200);
      await http("POST", `${admin}/services`, { name: "slow", url: `http://127.0.0.1:${up.port}` });
      await http("POST", `${admin}/services/slow/routes`, { paths: ["/slow"] });
      const inflight = http("GET", `http://127.0.0.1:${proxyPort}/slow?delay=1500`, undefined, { connection: "close" });
      await new Promise((r) => setTimeout(r, 300));
      node.process.kill("SIGQUIT");
      expect((await inflight).status).to.equal(200);
      expect(await node.exited).to.equal(0);
      const after = await http("GET", `${admin}/status`).then(() => "answered", (e: { code?: string }) => e.code);
      expect(after).to.equal("ECONNREFUSED");
    } finally {
      await node.stop();
    }
  });

  it("3.x (worker_consistency eventual): even the writing node routes a new route only after its background rebuild", async () => {
    const env = await pgf.freshDb();
    await kong("3.0.1", ["migrations", "bootstrap"], env);
    const n = await startTestNode("3.0.1", env);
    try {
      await http("POST", `${n.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${up.port}` });
      await http("POST", `${n.adminUrl}/services/s/routes`, { paths: ["/eventual"] });
      expect((await http("GET", `${n.proxyUrl}/eventual`)).status).to.equal(404);
      const ms = await until("route visible", async () => (await http("GET", `${n.proxyUrl}/eventual`)).status === 200, 7000, 100);
      expect(ms).to.be.at.most(5500);
    } finally { await n.close(); }
  });
});
