// The migrations lock (reference 2.4, 3.3): `up` waits for another node's lock and then aborts
// (exit 0) or times out (exit 1); bootstrap and finish never wait.
import { expect } from "chai";
import { runKong, SharedPostgres } from "../support/standin.ts";

const ABORTED = "aborted: another node is performing database changes\n";

describe("kong migrations: the cluster lock (stand-in, Postgres)", function () {
  this.timeout(60_000);
  let pgs: SharedPostgres;
  before(async () => { pgs = await SharedPostgres.start(); });
  after(async () => { await pgs?.stop(); });

  async function holdLock(env: Record<string, string>, ttlS: number): Promise<() => Promise<void>> {
    const client = await pgs.client(env);
    await client.query(`CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT, ttl TIMESTAMP WITH TIME ZONE)`);
    await client.query(`INSERT INTO locks (key, owner, ttl) VALUES ('migrations', 'other-node', CURRENT_TIMESTAMP + ($1 || ' seconds')::interval)`, [String(ttlS)]);
    return async () => { await client.query(`DELETE FROM locks WHERE key = 'migrations'`); await client.end(); };
  }

  it("two concurrent `up` runs: one migrates, the other waits, prints the aborted line and exits 0", async () => {
    const env = await pgs.freshDatabase("concurrent_up");
    expect((await runKong("2.6.0", ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    // The first run holds the lock for 3 s before migrating (fault up-stall), so the second must wait.
    const first = runKong("2.7.2", ["migrations", "up"], { ...env, KONG_STANDIN_FAULTS: "up-stall@entity=parameters@for=3000" });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const second = await runKong("2.7.2", ["migrations", "up"], env);
    const waitedMs = Date.now() - t0;
    const a = await first;
    expect(a.exitCode).to.equal(0);
    expect(a.stdout).to.equal(`migrating core on database '${env.KONG_PG_DATABASE}'...\ncore migrated up to: 014_230_to_270 (executed)\n1 migration processed\n1 executed\n`);
    expect(second.exitCode).to.equal(0);
    expect(second.stdout).to.equal(ABORTED);
    expect(waitedMs).to.be.greaterThan(1500);
  });

  it("`up` gives up after --lock-timeout with `[PostgreSQL error] timeout` (exit 1)", async () => {
    const env = await pgs.freshDatabase("lock_timeout");
    expect((await runKong("2.6.0", ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const release = await holdLock(env, 60);
    try {
      const r = await runKong("2.7.2", ["migrations", "up", "--lock-timeout", "1"], env);
      expect(r.exitCode).to.equal(1);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.equal("Error: [PostgreSQL error] timeout\n\n  Run with --v (verbose) or --vv (debug) for more details\n");
    } finally {
      await release();
    }
  });

  it("`finish` and `bootstrap` do not wait: they print the aborted line at once", async () => {
    const env = await pgs.freshDatabase("no_wait");
    const release = await holdLock(env, 60);
    try {
      const t0 = Date.now();
      const boot = await runKong("2.6.0", ["migrations", "bootstrap"], env);
      expect(boot.exitCode).to.equal(0);
      expect(boot.stdout).to.equal(`Bootstrapping database...\n${ABORTED}`);
      const fin = await runKong("2.6.0", ["migrations", "finish"], env);
      expect(fin.exitCode).to.equal(0);
      expect(fin.stdout).to.equal(ABORTED);
      expect(Date.now() - t0).to.be.lessThan(5000);
    } finally {
      await release();
    }
  });
});
