// `kong migrations` on a real Cassandra (one shared container, a fresh keyspace per test): bootstrap
// with the old binary, up with the new, list with both, finish, list again, with the per-strategy
// teardown flags of Kong's Cassandra sections; start checks; the LWT migration lock; reset.
import { expect } from "chai";
import { localNodeEnv, runKong, startLocalKong, waitForNode, type KongResult } from "../support/standin.ts";
import { sharedCassandra, type CassandraFixture } from "./cassandra-fixture.ts";

const NOT_LEADER = "aborted: another node is performing database changes";
const INIT_ERR = "nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua";

async function ok(version: string, args: string[], env: Record<string, string>): Promise<KongResult> {
  const r = await runKong(version, args, env);
  expect(r.exitCode, `kong ${args.join(" ")} (${version})\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r;
}

const lines = (r: KongResult): string[] => r.stdout.trimEnd().split("\n");

async function startAndExit(version: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const local = await localNodeEnv();
  const node = startLocalKong(version, { ...env, ...local.env });
  expect(await waitForNode(node, local.adminUrl)).to.equal("exited");
  return { code: await node.exited, stderr: node.output().stderr };
}

describe("stand-in on Cassandra: kong migrations", function () {
  this.timeout(120_000);
  let cass: CassandraFixture;
  before(async () => { cass = await sharedCassandra(); });

  it("2.5.1 -> 2.6.0 (plugins = bundled): 41 executed, already up-to-date, nothing to finish", async () => {
    const env = cass.freshKeyspace("k2526", "bundled");
    const boot = await ok("2.5.1", ["migrations", "bootstrap"], env);
    expect(lines(boot)[1]).to.equal(`migrating core on keyspace '${env.KONG_CASSANDRA_KEYSPACE}'...`);
    expect(lines(boot).slice(-3)).to.deep.equal(["41 migrations processed", "41 executed", "Database is up-to-date"]);
    expect(lines(await ok("2.6.0", ["migrations", "up"], env))).to.deep.equal(["Database is already up-to-date"]);
    expect(lines(await ok("2.6.0", ["migrations", "finish"], env))).to.deep.equal(["No pending migrations to finish"]);
    const list = await ok("2.5.1", ["migrations", "list"], env);
    expect(list.stdout).to.equal((await ok("2.6.0", ["migrations", "list"], env)).stdout);
    expect(lines(list)[1]).to.equal("                 core: 000_base, 003_100_to_110, 004_110_to_120, 005_120_to_130, 006_130_to_140, 007_140_to_150, 008_150_to_200, 009_200_to_210, 010_210_to_211, 011_212_to_213, 012_213_to_220, 013_220_to_230");
  });

  it("2.1.4 -> 2.6.0: a 2.6.0 node refuses before up; 012 pending after up (old list 0, new list 4); finish; reset", async () => {
    const env = cass.freshKeyspace("k2126");
    await ok("2.1.4", ["migrations", "bootstrap"], env);
    const newer = await startAndExit("2.6.0", env);
    expect(newer.code).to.equal(1);
    expect(newer.stderr.split("\n")[0]).to.equal(`${INIT_ERR}:20: New migrations available; run 'kong migrations up' to proceed`);
    const up = await ok("2.6.0", ["migrations", "up"], env);
    expect(lines(up)).to.deep.equal([
      `migrating core on keyspace '${env.KONG_CASSANDRA_KEYSPACE}'...`,
      "core migrated up to: 012_213_to_220 (pending)", "core migrated up to: 013_220_to_230 (executed)",
      "2 migrations processed", "1 executed", "1 pending", "", "Database has pending migrations; run 'kong migrations finish' when ready",
    ]);
    expect((await runKong("2.1.4", ["migrations", "list"], env)).exitCode).to.equal(0);
    const list = await runKong("2.6.0", ["migrations", "list"], env);
    expect(list.exitCode).to.equal(4);
    expect(list.stdout).to.contain("Pending migrations:\ncore: 012_213_to_220\n\nRun 'kong migrations finish' when ready");
    expect(lines(await ok("2.6.0", ["migrations", "finish"], env))).to.deep.equal([
      `migrating core on keyspace '${env.KONG_CASSANDRA_KEYSPACE}'...`, "core migrated up to: 012_213_to_220 (executed)",
      "1 migration processed", "1 executed", "No pending migrations to finish",
    ]);
    expect((await runKong("2.6.0", ["migrations", "list"], env)).exitCode).to.equal(0);
    expect(lines(await ok("2.6.0", ["migrations", "reset", "-y"], env))).to.deep.equal([
      "Resetting database...", `dropped '${env.KONG_CASSANDRA_KEYSPACE}' keyspace`, "Database successfully reset",
    ]);
    const again = await runKong("2.6.0", ["migrations", "reset", "-y"], env);
    expect([again.exitCode, again.stdout.trim()]).to.deep.equal([1, "Database not bootstrapped, nothing to reset"]);
  });

  it("2.2.2 -> 2.6.0 records 013 executed; 2.2.2 -> 2.7.2 leaves it pending (its Cassandra teardown is 2.7.0+)", async () => {
    const env = cass.freshKeyspace("k2226", "key-auth");
    await ok("2.2.2", ["migrations", "bootstrap"], env);
    expect(lines(await ok("2.6.0", ["migrations", "up"], env)).slice(1)).to.deep.equal([
      "core migrated up to: 013_220_to_230 (executed)", "1 migration processed", "1 executed",
    ]);
    expect(lines(await ok("2.6.0", ["migrations", "finish"], env))).to.deep.equal(["No pending migrations to finish"]);
    const env27 = cass.freshKeyspace("k2227", "key-auth");
    await ok("2.2.2", ["migrations", "bootstrap"], env27);
    expect(lines(await ok("2.7.2", ["migrations", "up"], env27)).slice(1, 6)).to.deep.equal([
      "core migrated up to: 013_220_to_230 (pending)", "core migrated up to: 014_230_to_270 (executed)", "2 migrations processed", "1 executed", "1 pending",
    ]);
    const list = await runKong("2.7.2", ["migrations", "list"], env27);
    expect([list.exitCode, list.stdout.includes("Pending migrations:\ncore: 013_220_to_230")]).to.deep.equal([4, true]);
  });

  it("refuses to start on a keyspace that needs bootstrap (list exits 3)", async () => {
    const env = cass.freshKeyspace("kstart");
    expect((await runKong("2.6.0", ["migrations", "list"], env)).exitCode).to.equal(3);
    const fresh = await startAndExit("2.6.0", env);
    expect(fresh.code).to.equal(1);
    expect(fresh.stderr.split("\n")[0]).to.equal(`${INIT_ERR}:16: Database needs bootstrapping or is older than Kong 1.0.`);
  });

  it("two concurrent ups: one migrates, the other waits and aborts; a held lock row makes up wait, then abort", async () => {
    const env = cass.freshKeyspace("klock");
    await ok("2.0.5", ["migrations", "bootstrap"], env);
    const [a, b] = await Promise.all([runKong("2.6.0", ["migrations", "up"], env), runKong("2.6.0", ["migrations", "up"], env)]);
    expect([a.exitCode, b.exitCode]).to.deep.equal([0, 0]);
    const outs = [a.stdout.trim(), b.stdout.trim()].sort((x, y) => x.length - y.length);
    expect(outs[0]).to.equal(NOT_LEADER);
    expect(outs[1]).to.contain("core migrated up to: 009_200_to_210 (pending)");
    await ok("2.6.0", ["migrations", "finish"], env);
    // The lock row as another node's `up` holds it (INSERT … IF NOT EXISTS USING TTL): up waits, then aborts.
    const client = await cass.client();
    try {
      const ks = env.KONG_CASSANDRA_KEYSPACE;
      await client.execute(`INSERT INTO ${ks}.locks (key, owner) VALUES ('migrations', 'another-node') IF NOT EXISTS USING TTL 30`);
      const t0 = Date.now();
      const up = runKong("2.6.0", ["migrations", "up"], env);
      setTimeout(() => { void client.execute(`DELETE FROM ${ks}.locks WHERE key = 'migrations'`); }, 2500);
      const r = await up;
      expect([r.exitCode, r.stdout.trim()]).to.deep.equal([0, NOT_LEADER]);
      expect(Date.now() - t0).to.be.greaterThan(2000);
    } finally {
      await client.shutdown();
    }
  });

  it("an unreachable Cassandra is `Error: [Cassandra error] …` with exit 1", async () => {
    const env = { ...cass.freshKeyspace("kdown"), KONG_CASSANDRA_CONTACT_POINTS: "127.0.0.1", KONG_CASSANDRA_PORT: "1" };
    const r = await runKong("2.6.0", ["migrations", "list"], env);
    expect(r.exitCode).to.equal(1);
    expect(r.stderr.split("\n")[0]).to.equal("Error: [Cassandra error] all hosts tried for query failed. 127.0.0.1: host seems unhealthy, considering it down (connection refused)");
  });
});
