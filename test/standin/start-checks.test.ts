// `kong docker-start` start checks (reference 4.2/4.3): refuse only for needs-bootstrap and NEW
// migrations, with the init_by_lua error form; warn for pending; old nodes after a newer finish
// start unless the data is really incompatible.
import { expect } from "chai";
import { localNodeEnv, runKong, SharedPostgres, startLocalKong, waitForNode, type LocalKongNode } from "../support/standin.ts";

const INIT_ERR = "nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua";

describe("docker-start: start checks against the schema state (stand-in, Postgres)", function () {
  this.timeout(60_000);
  let pgs: SharedPostgres;
  const nodes: LocalKongNode[] = [];
  before(async () => { pgs = await SharedPostgres.start(); });
  afterEach(async () => { await Promise.all(nodes.splice(0).map((n) => n.stop())); });
  after(async () => { await pgs?.stop(); });

  async function start(version: string, env: Record<string, string>, extra: Record<string, string> = {}) {
    const local = await localNodeEnv();
    const node = startLocalKong(version, { ...env, ...local.env, ...extra });
    nodes.push(node);
    return { node, outcome: await waitForNode(node, local.adminUrl), adminUrl: local.adminUrl };
  }

  async function migrate(env: Record<string, string>, ...steps: [string, string][]): Promise<void> {
    for (const [version, cmd] of steps) {
      const r = await runKong(version, ["migrations", cmd], env);
      expect(r.exitCode, `${version} ${cmd}: ${r.stderr}`).to.equal(0);
    }
  }

  it("refuses to start on a database that needs bootstrap", async () => {
    const env = await pgs.freshDatabase("needs_bootstrap");
    const { node, outcome } = await start("2.6.0", env);
    expect(outcome).to.equal("exited");
    expect(await node.exited).to.equal(1);
    const lines = node.output().stderr.split("\n");
    expect(lines.slice(0, 3)).to.deep.equal([
      `${INIT_ERR}:16: Database needs bootstrapping or is older than Kong 1.0.`, "", "To start a new installation from scratch, run 'kong migrations bootstrap'.",
    ]);
    expect(lines).to.include("stack traceback:");
  });

  it("refuses to start with new migrations (2.7.2 on a 2.6.0 database)", async () => {
    const env = await pgs.freshDatabase("new_migrations");
    await migrate(env, ["2.6.0", "bootstrap"]);
    const { node, outcome } = await start("2.7.2", env);
    expect(outcome).to.equal("exited");
    expect(await node.exited).to.equal(1);
    expect(node.output().stderr.split("\n").slice(0, 3)).to.deep.equal([
      `${INIT_ERR}:20: New migrations available; run 'kong migrations up' to proceed`, "stack traceback:", "\t[C]: in function 'error'",
    ]);
  });

  it("starts with pending migrations and warns (2.1.4 after its own up)", async () => {
    const env = await pgs.freshDatabase("pending");
    await migrate(env, ["2.0.5", "bootstrap"], ["2.1.4", "up"]);
    const { node, outcome } = await start("2.1.4", env);
    expect(outcome).to.equal("started");
    expect(node.output().stderr).to.match(/\[warn\] .*database has pending migrations:\n {10}core: 009_200_to_210\n/);
  });

  it("fails a 1.5.1 node after the 2.0.5 finish (plugins.run_on dropped), but not after up", async () => {
    const env = await pgs.freshDatabase("run_on");
    await migrate(env, ["1.5.1", "bootstrap"], ["2.0.5", "up"]);
    const afterUp = await start("1.5.1", env);
    expect(afterUp.outcome).to.equal("started");
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    await migrate(env, ["2.0.5", "finish"]);
    const { node, outcome } = await start("1.5.1", env);
    expect(outcome).to.equal("exited");
    expect(await node.exited).to.equal(1);
    expect(node.output().stderr).to.match(/^nginx: \[error\] init_by_lua error: .*column "run_on" does not exist/);
  });

  it("starts a 2.5.1 node after the 2.6.0 finish", async () => {
    const env = await pgs.freshDatabase("old_after_finish");
    await migrate(env, ["2.5.1", "bootstrap"], ["2.6.0", "up"], ["2.6.0", "finish"]);
    const { outcome, adminUrl } = await start("2.5.1", env);
    expect(outcome).to.equal("started");
    const body = await (await fetch(`${adminUrl}/`)).json() as { version: string };
    expect(body.version).to.equal("2.5.1");
  });

  it("fails a node on which a configured plugin is not enabled", async () => {
    const env = await pgs.freshDatabase("plugin_not_enabled");
    await migrate(env, ["2.6.0", "bootstrap"]);
    const client = await pgs.client(env);
    try {
      await client.query(`INSERT INTO plugins (id, name, config, enabled, protocols, ws_id, cache_key)
        VALUES (gen_random_uuid(), 'rate-limiting', '{"minute": 5}', true, '{http,https}', (SELECT id FROM workspaces WHERE name = 'default'), 'plugins:rate-limiting::::')`);
    } finally {
      await client.end();
    }
    const { node, outcome } = await start("2.6.0", env, { KONG_PLUGINS: "key-auth" });
    expect(outcome).to.equal("exited");
    expect(node.output().stderr).to.contain("error building initial plugins: rate-limiting plugin is in use but not enabled");
  });
});
