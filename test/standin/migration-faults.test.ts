// Migration-side fault switches (KONG_STANDIN_FAULTS): each makes `kong migrations up` (2.6.0 →
// 2.7.2) misbehave the way a real upgrade bug would. One test per switch.
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { catalogue } from "../../standin/src/catalogue/versions.ts";
import { loadConfig } from "../../standin/src/config.ts";
import { createDatastore } from "../../standin/src/db/index.ts";
import type { Datastore } from "../../standin/src/db/types.ts";
import { runKong, SharedPostgres } from "../support/standin.ts";

const OLD = "2.6.0";
const NEW = "2.7.2";

describe("migration fault switches (stand-in, Postgres)", function () {
  this.timeout(60_000);
  let pgs: SharedPostgres;
  before(async () => { pgs = await SharedPostgres.start(); });
  after(async () => { await pgs?.stop(); });

  /** A database bootstrapped by the old version, with one service, route, consumer and key. */
  async function seeded(name: string): Promise<{ env: Record<string, string>; old: Datastore }> {
    const env = await pgs.freshDatabase(name);
    expect((await runKong(OLD, ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const old = await createDatastore(loadConfig(env, catalogue(OLD).bundledPlugins), OLD, { poolSize: 2 });
    const service = await old.entities.insert("services", { id: randomUUID(), name: "svc", host: "upstream.test", port: 80, protocol: "http" });
    await old.entities.insert("routes", { id: randomUUID(), name: "r", paths: ["/echo"], protocols: ["http"], service_id: service.id });
    const consumer = await old.entities.insert("consumers", { id: randomUUID(), username: "alice" });
    await old.entities.insert("keyauth_credentials", { id: randomUUID(), consumer_id: consumer.id, key: "alice-key" });
    await old.entities.insert("plugins", { id: randomUUID(), name: "key-auth", config: { key_names: ["apikey"] }, enabled: true, protocols: ["http"], cache_key: "plugins:key-auth::::" });
    return { env, old };
  }

  const up = (env: Record<string, string>, faults?: string, ...args: string[]) =>
    runKong(NEW, ["migrations", "up", ...args], faults ? { ...env, KONG_STANDIN_FAULTS: faults } : env);

  it("up-rewrites-paths: after up, old nodes read route paths in a format they do not understand", async () => {
    const { env, old } = await seeded("f_paths");
    try {
      expect((await up(env, "up-rewrites-paths")).exitCode).to.equal(0);
      const route = await old.entities.selectBy("routes", "name", "r");
      expect(route?.paths).to.deep.equal(["~/echo"]);
    } finally { await old.close(); }
  });

  it("migration-not-rerunnable: a re-run after an interrupted up fails on DDL that already committed", async () => {
    const { env, old } = await seeded("f_rerun");
    try {
      // The crashed run leaves its lock behind until the TTL (--lock-timeout) runs out, as in Kong.
      const crashed = await up(env, "migration-crash-after-ddl,migration-not-rerunnable", "--lock-timeout", "1");
      expect(crashed.exitCode).to.equal(137);
      await new Promise((r) => setTimeout(r, 1200));
      expect((await runKong(NEW, ["migrations", "list"], env)).exitCode).to.equal(5);
      const rerun = await up(env, "migration-not-rerunnable");
      expect(rerun.exitCode).to.equal(1);
      expect(rerun.stderr.split("\n")[0]).to.equal("Error: [PostgreSQL error] cluster_mutex callback threw an error: [PostgreSQL error] " +
        "failed to run migration '014_230_to_270' up: ERROR: column \"enabled\" of relation \"services\" already exists");
      // Without the switch the same re-run succeeds: Kong's own DDL is guarded (IF NOT EXISTS).
      expect((await up(env)).exitCode).to.equal(0);
      expect((await runKong(NEW, ["migrations", "list"], env)).exitCode).to.equal(0);
    } finally { await old.close(); }
  });

  it("up-records-nothing: up exits 0 and prints executed lines, but schema_meta still shows the migration as new", async () => {
    const { env, old } = await seeded("f_records");
    try {
      const r = await up(env, "up-records-nothing");
      expect(r.exitCode).to.equal(0);
      expect(r.stdout).to.contain("core migrated up to: 014_230_to_270 (executed)\n1 migration processed\n1 executed\n");
      const list = await runKong(NEW, ["migrations", "list"], env);
      expect(list.exitCode).to.equal(5);
      expect(list.stdout).to.contain("New migrations available:\ncore: 014_230_to_270\n");
    } finally { await old.close(); }
  });

  it("up-damages-data: up rewrites existing key-auth keys, so old credentials stop matching", async () => {
    const { env, old } = await seeded("f_damage");
    try {
      expect((await up(env, "up-damages-data")).exitCode).to.equal(0);
      expect(await old.entities.selectBy("keyauth_credentials", "key", "alice-key")).to.equal(null);
    } finally { await old.close(); }
  });

  it("up-damages-data@entity=plugins: up empties existing plugin configs", async () => {
    const { env, old } = await seeded("f_damage_plugins");
    try {
      expect((await up(env, "up-damages-data@entity=plugins")).exitCode).to.equal(0);
      const [plugin] = await old.entities.all("plugins");
      expect(plugin?.config).to.deep.equal({});
    } finally { await old.close(); }
  });

  it("up-stall@for=5000: an old-cluster read of routes waits on up's lock, and completes once up is done", async () => {
    const { env, old } = await seeded("f_stall");
    const watch = await pgs.client(env);
    // Judged by the lock table, not by the clock: the read is seen queued behind up's lock.
    const routesLocks = async (): Promise<{ mode: string; granted: boolean }[]> => (await watch.query<{ mode: string; granted: boolean }>(
      "SELECT mode, granted FROM pg_locks WHERE relation = 'routes'::regclass AND pid <> pg_backend_pid()")).rows;
    const until = async (what: string, ok: (l: { mode: string; granted: boolean }[]) => boolean): Promise<void> => {
      for (let i = 0; i < 200; i++) {
        if (ok(await routesLocks())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`never saw ${what} on routes: ${JSON.stringify(await routesLocks())}`);
    };
    try {
      const running = up(env, "up-stall@for=5000");
      await until("up's ACCESS EXCLUSIVE lock", (l) => l.some((x) => x.mode === "AccessExclusiveLock" && x.granted));
      let readDone = false;
      const read = old.entities.all("routes").then((rows) => { readDone = true; return rows; });
      await until("the old-cluster read waiting", (l) => l.some((x) => x.mode === "AccessShareLock" && !x.granted));
      expect(readDone, "the read finished while up held its lock").to.equal(false);
      expect((await running).exitCode).to.equal(0);
      expect((await read).map((r) => r.name)).to.deep.equal(["r"]);
    } finally { await watch.end(); await old.close(); }
  });
});
