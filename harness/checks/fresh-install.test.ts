import { expect } from "chai";
import { freshInstall } from "./fresh-install.ts";
import { F } from "./records.ts";
import { RunFixture } from "./testing.ts";

const cmd = (exitCode: number) => ({ exitCode, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
const start = (fx: RunFixture, node: string, started = true): RunFixture =>
  fx.event("harness", F.nodeStart, { node, cluster: "green", image: "kong-standin:2.6.0", started, exitCode: started ? null : 1, logs: started ? "" : "Error: init_by_lua error: Database needs bootstrapping or is older than Kong 1.0.\nmore" }, node);

describe("fresh-install", () => {
  it("passes when bootstrap ran on a fresh datastore and exited 0 before every node start", async () => {
    const fx = new RunFixture().at(0).event("migrations", F.migrationsList, cmd(3)).at(100).event("migrations", F.migrationsBootstrap, cmd(0)).at(200);
    start(start(fx, "green-1"), "green-2");
    const r = await freshInstall.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "bootstrap completed at 100 ms (exit 0) on a fresh datastore (list exited 3 before it); 2 nodes started after it (green-1, green-2)"]);
  });

  it("fails when a node starts without bootstrap, whether it refused or came up", async () => {
    const fx = new RunFixture().at(0).event("migrations", F.migrationsList, cmd(3)).at(50);
    const refused = await freshInstall.check(start(fx, "green-1", false).ctx());
    expect([refused.status, refused.message]).to.deep.equal(["fail", "1 node was started without `kong migrations bootstrap`: green-1 refused to start (exit 1): Error: init_by_lua error: Database needs bootstrapping or is older than Kong 1.0."]);
    const up = await freshInstall.check(start(new RunFixture().at(0), "green-1").ctx());
    expect(up.message).to.equal("1 node was started without `kong migrations bootstrap`: green-1 started and served");
  });

  it("fails a node started before bootstrap completed, a failed bootstrap, and a datastore that was not fresh", async () => {
    const early = start(new RunFixture().at(0), "green-1").at(10).event("migrations", F.migrationsBootstrap, cmd(0));
    expect((await freshInstall.check(early.ctx())).message).to.equal("1 node was started before bootstrap completed at 10 ms: green-1 started and served");
    const failed = new RunFixture().at(0).event("migrations", F.migrationsBootstrap, cmd(1));
    expect((await freshInstall.check(failed.ctx())).message).to.equal("`kong migrations bootstrap` did not succeed: bootstrap exited 1");
    const used = new RunFixture().at(0).event("migrations", F.migrationsList, cmd(0)).at(5).event("migrations", F.migrationsBootstrap, cmd(0)).at(9);
    expect((await freshInstall.check(start(used, "green-1").ctx())).message).to.equal("not a fresh datastore: `kong migrations list` before bootstrap exited 0 (3 = needs bootstrap)");
  });

  it("is unknown with no bootstrap and no node start", async () => {
    expect((await freshInstall.check(new RunFixture().ctx())).status).to.equal("unknown");
  });
});
