// The stand-in switches that issue 7's checks are shown failing with (standin/README.md): each
// produces its misbehaviour, here on local processes; the scenario rows in
// test/scenario/fault-switches.test.ts show the checks catching them.
import { expect } from "chai";
import { http, kong, nodeTestbed, type TestNode } from "./node-helpers.ts";
import { runKong } from "../support/standin.ts";

const OLD = "2.0.5";
const NEW = "2.6.0";

describe("stand-in: switches for upgrade bugs hidden by caches, [error] lines and old-shaped data", function () {
  this.timeout(60_000);
  const bed = nodeTestbed();
  const { start } = bed;

  /** An old cluster's database with a key-auth route and alice's key, and a running old node that used it. */
  async function seeded(): Promise<{ env: Record<string, string>; old: TestNode }> {
    const env = await bed.pgf.freshDb();
    await kong(OLD, ["migrations", "bootstrap"], env);
    const old = await start(OLD, env, { hostname: "blue-1" });
    expect((await http("POST", `${old.adminUrl}/services`, { name: "s", url: `http://127.0.0.1:${bed.up.port}` })).status).to.equal(201);
    expect((await http("POST", `${old.adminUrl}/services/s/routes`, { paths: ["/secure"] })).status).to.equal(201);
    expect((await http("POST", `${old.adminUrl}/services/s/plugins`, { name: "key-auth" })).status).to.equal(201);
    expect((await http("POST", `${old.adminUrl}/consumers`, { username: "alice" })).status).to.equal(201);
    expect((await http("POST", `${old.adminUrl}/consumers/alice/key-auth`, { key: "alice-key" })).status).to.equal(201);
    expect((await http("GET", `${old.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).status).to.equal(200);
    return { env, old };
  }

  it("up-damages-cold-reads: the running old node keeps serving the key from its cache, a cold old node refuses it, a new node with the switch reads it", async () => {
    const { env, old } = await seeded();
    expect((await runKong(NEW, ["migrations", "up"], { ...env, KONG_STANDIN_FAULTS: "up-damages-cold-reads" })).exitCode).to.equal(0);
    expect((await http("GET", `${old.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).status).to.equal(200);
    const cold = await start(OLD, env, { hostname: "blue-cold" });
    expect((await http("GET", `${cold.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).status).to.equal(401);
    const green = await start(NEW, env, { hostname: "green-1", faults: "up-damages-cold-reads" });
    expect((await http("GET", `${green.proxyUrl}/secure`, undefined, { apikey: "alice-key" })).status).to.equal(200);
    expect((await http("GET", `${green.proxyUrl}/secure`, undefined, { apikey: "not-a-key" })).status).to.equal(401);
  });

  it("up-prints-error: `up` migrates, prints an [error] line and still exits 0", async () => {
    const env = await bed.pgf.freshDb();
    await kong(OLD, ["migrations", "bootstrap"], env);
    const r = await runKong(NEW, ["migrations", "up"], { ...env, KONG_STANDIN_FAULTS: "up-prints-error" });
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.contain("migrations processed");
    expect(r.stderr).to.match(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] \[postgres\] could not rewrite 1 row of "plugins" during 'core\/009_200_to_210': .* \(continuing\)$/m);
    expect((await runKong(NEW, ["migrations", "up"], env)).stderr).to.not.contain("[error]");
  });

  it("patch-refuses-old-shaped: a PATCH of a custom_id-only consumer is refused (400), one with a username is not", async () => {
    const env = await bed.pgf.freshDb();
    await kong(NEW, ["migrations", "bootstrap"], env);
    const node = await start(NEW, env, { faults: "patch-refuses-old-shaped" });
    const old = await http("POST", `${node.adminUrl}/consumers`, { custom_id: "cust-42" });
    const named = await http("POST", `${node.adminUrl}/consumers`, { username: "alice" });
    const refused = await http("PATCH", `${node.adminUrl}/consumers/${(old.body as { id: string }).id}`, { custom_id: "cust-42" });
    expect([refused.status, (refused.body as { message: string }).message]).to.deep.equal([400, "schema violation (username: required field missing)"]);
    expect((await http("PATCH", `${node.adminUrl}/consumers/alice`, { username: "alice" })).status).to.equal(200);
    expect((await http("PATCH", `${node.adminUrl}/consumers/${(named.body as { id: string }).id}`, { custom_id: "c-1" })).status).to.equal(200);
  });
});
