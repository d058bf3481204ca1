// The stand-in switches that issue 7's checks are shown failing with (standin/README.md): each
// produces its misbehaviour, here on local processes; the scenario rows in
// test/scenario/fault-switches.test.ts show the checks catching them.
import { expect } from "chai";
import pg from "pg";
import { http, kong, nodeTestbed, type TestNode } from "./node-helpers.ts";
import { runKong } from "../support/standin.ts";

const OLD = "2.0.5";

/** The migrations `kong migrations list` reports as new ("subsystem: a, b" lines after "New migrations available:"), in order. */
function newMigrations(listOut: string): Array<{ subsystem: string; name: string }> {
  const section = listOut.split("New migrations available:")[1] ?? "";
  return section.split("\n").map((l) => /^\s*([\w-]+): (.+)$/.exec(l)).filter((m) => m !== null)
    .flatMap((m) => m[2]!.split(",").map((name) => ({ subsystem: m[1]!, name: name.trim() })));
}
const NEW = "2.6.0";

describe("stand-in: switches for upgrade bugs hidden by caches, a migration that fails midway and old-shaped data", function () {
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

  // Kong's DB:run_migrations (kong/db/init.lua) returns at the first failed migration; `kong
  // migrations up` raises it and exits 1. What ran before stays recorded; the failed
  // migration's transaction is rolled back, so it and the ones after it are still new.
  it("up-fails-midway: `up` records the first half, stops at the next migration with Kong's error (exit 1); a plain re-run is refused", async () => {
    const env = await bed.pgf.freshDb();
    await kong(OLD, ["migrations", "bootstrap"], env);
    const before = await runKong(NEW, ["migrations", "list"], env);
    const pendingBefore = newMigrations(before.stdout);
    expect(pendingBefore.length, before.stdout).to.be.at.least(2);
    const r = await runKong(NEW, ["migrations", "up"], { ...env, KONG_STANDIN_FAULTS: "up-fails-midway" });
    expect(r.exitCode).to.equal(1);
    const failed = pendingBefore[Math.max(1, Math.floor(pendingBefore.length / 2))]!;
    // `up` runs inside cluster_mutex, whose callback re-raises the error with a traceback (kong/db/init.lua).
    expect(r.stderr.split("\n")[0]).to.equal(`Error: [PostgreSQL error] cluster_mutex callback threw an error: [PostgreSQL error] failed to run migration '${failed.name}' up: ERROR: column "name" of relation "services" already exists`);
    expect(r.stdout).to.not.contain("processed");
    const after = await runKong(NEW, ["migrations", "list"], env);
    expect(after.exitCode, `pending (the recorded half) and new: ${after.stdout}`).to.equal(4);
    expect(newMigrations(after.stdout).map((m) => m.name), "the failed migration and the ones after it are still new").to.deep.equal(pendingBefore.slice(pendingBefore.indexOf(failed)).map((m) => m.name));
    // The recorded half left pending migrations: a plain re-run is refused (kong/cmd/utils/migrations.lua).
    const again = await runKong(NEW, ["migrations", "up"], env);
    expect([again.exitCode, again.stderr.split("\n")[0]], again.stdout).to.deep.equal([1, "Error: Database has pending migrations; run 'kong migrations finish'"]);
  });

  it("up-renames-column: `up` exits 0 and leaves snis.name renamed to server_name; without the switch the column stays", async () => {
    const columns = async (env: Record<string, string>): Promise<string[]> => {
      const client = new pg.Client({ host: env.KONG_PG_HOST, port: Number(env.KONG_PG_PORT), user: env.KONG_PG_USER, password: env.KONG_PG_PASSWORD, database: env.KONG_PG_DATABASE });
      await client.connect();
      try {
        const r = await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'snis' AND column_name IN ('name', 'server_name')`);
        return r.rows.map((x) => x.column_name);
      } finally { await client.end(); }
    };
    for (const [faults, expected] of [["up-renames-column", ["server_name"]], ["", ["name"]]] as const) {
      const env = await bed.pgf.freshDb();
      await kong(OLD, ["migrations", "bootstrap"], env);
      const r = await runKong(NEW, ["migrations", "up"], { ...env, ...(faults ? { KONG_STANDIN_FAULTS: faults } : {}) });
      expect([r.exitCode, r.stderr], r.stdout).to.deep.equal([0, ""]);
      expect(await columns(env), faults || "no switch").to.deep.equal(expected);
    }
  });

  it("list-misses-pending: `list` shows the migrations `up` left pending as new and exits 5; without the switch, 4", async () => {
    const env = await bed.pgf.freshDb();
    await kong(OLD, ["migrations", "bootstrap"], env);
    await kong(NEW, ["migrations", "up"], env);
    const right = await runKong(NEW, ["migrations", "list"], env);
    expect(right.exitCode, right.stdout).to.equal(4);
    expect(right.stdout).to.match(/^Pending migrations:\n\s*core: 009_200_to_210/m);
    const stale = await runKong(NEW, ["migrations", "list"], { ...env, KONG_STANDIN_FAULTS: "list-misses-pending" });
    expect(stale.exitCode, stale.stdout).to.equal(5);
    expect(stale.stdout).to.not.contain("Pending migrations:");
    expect(stale.stdout).to.match(/^New migrations available:\n\s*core: 009_200_to_210/m);
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
