// The kong-standin:<version> image honours the official image's contract: one-shot
// `kong migrations …` containers, then `kong docker-start` serving the Admin API, `kong health`
// inside, and a graceful stop on SIGQUIT.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { runKongContainer, SharedPostgres, standinImage, startKongContainer } from "../support/standin.ts";

const VERSION = "2.6.0";

describe(`${standinImage(VERSION)} container (official image contract)`, function () {
  this.timeout(120_000);
  let pgs: SharedPostgres;
  before(async function () {
    try {
      execFileSync("docker", ["image", "inspect", standinImage(VERSION)], { stdio: "pipe" });
    } catch {
      throw new Error(`image ${standinImage(VERSION)} is missing: build it with lab/recipes/kong-standin/build.sh (or \`npx kong-upgrade-harness lab\`)`);
    }
    pgs = await SharedPostgres.start();
  });
  after(async () => { await pgs?.stop(); });

  it("bootstraps with `kong migrations bootstrap`, then docker-start serves GET / and `kong health` passes", async () => {
    const local = await pgs.freshDatabase("container");
    const env = { ...local, KONG_PG_HOST: pgs.containerHost, KONG_PG_PORT: "5432" };
    const boot = await runKongContainer(VERSION, ["migrations", "bootstrap"], env);
    expect(boot.exitCode, boot.stderr).to.equal(0);
    expect(boot.stdout.trimEnd().split("\n").slice(-3)).to.deep.equal(["41 migrations processed", "41 executed", "Database is up-to-date"]);
    const list = await runKongContainer(VERSION, ["migrations", "list"], env);
    expect(list.exitCode).to.equal(0);

    const node = await startKongContainer(VERSION, env);
    try {
      const res = await fetch(`http://${node.getHost()}:${node.getMappedPort(8001)}/`);
      expect(res.status).to.equal(200);
      const body = await res.json() as { version: string; node_id: string };
      expect(body.version).to.equal(VERSION);
      expect(body.node_id).to.match(/^[0-9a-f-]{36}$/);
      const health = await node.exec(["kong", "health"]);
      expect(health.exitCode).to.equal(0);
      expect(health.output).to.contain("Kong is healthy at /usr/local/kong");
    } finally {
      await node.stop({ timeout: 10_000 });
    }
  });

  it("a one-shot `kong migrations list` on a fresh database exits 3 with the bootstrap message", async () => {
    const local = await pgs.freshDatabase("container_fresh");
    const r = await runKongContainer(VERSION, ["migrations", "list"], { ...local, KONG_PG_HOST: pgs.containerHost, KONG_PG_PORT: "5432" });
    expect(r.exitCode).to.equal(3);
    expect(r.stdout.startsWith("Database needs bootstrapping or is older than Kong 1.0.\n")).to.equal(true);
  });
});
