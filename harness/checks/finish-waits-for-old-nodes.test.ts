import { expect } from "chai";
import { finishWaitsForOldNodes } from "./finish-waits-for-old-nodes.ts";
import { F, type OldNodeGateValue, type OldNodeProbeValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

const quiet = (node: string, port: number): OldNodeProbeValue => ({
  node, inHarnessList: false,
  proxy: { url: `http://127.0.0.1:${port}`, answered: false, detail: "refused (ECONNREFUSED)" },
  admin: { url: `http://127.0.0.1:${port + 1}/status`, answered: false, detail: "refused (ECONNREFUSED)" },
});
const loud = (node: string, port: number): OldNodeProbeValue => ({
  ...quiet(node, port), proxy: { url: `http://127.0.0.1:${port}`, answered: true, detail: "answered 404" },
});

function gate(nodes: OldNodeProbeValue[], finish = true): RunFixture {
  const fx = new RunFixture().at(0).phase("MigrationsFinish");
  fx.event("harness", F.oldNodeGate, { nodes, answering: nodes.filter((x) => x.proxy.answered || x.admin.answered).map((x) => x.node) } satisfies OldNodeGateValue);
  if (finish) fx.history.ok(fx.history.invoke("migrations", F.migrationsFinish, { image: "new" }), { exitCode: 0, stdout: "", stderr: "", image: "new" });
  return fx;
}

describe("finish-waits-for-old-nodes", () => {
  it("passes when every old node's ports refused before finish, listing them", async () => {
    const r = await finishWaitsForOldNodes.check(gate([quiet("blue-1", 5000), quiet("blue-cold", 5010)]).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "no old node answered before `kong migrations finish`: "
      + "blue-1 (proxy http://127.0.0.1:5000 refused (ECONNREFUSED); Admin API http://127.0.0.1:5001/status refused (ECONNREFUSED)); "
      + "blue-cold (proxy http://127.0.0.1:5010 refused (ECONNREFUSED); Admin API http://127.0.0.1:5011/status refused (ECONNREFUSED))"]);
  });

  it("fails naming the old node that still answers (finish refused)", async () => {
    const r = await finishWaitsForOldNodes.check(gate([quiet("blue-1", 5000), loud("blue-2", 5002)], false).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "`kong migrations finish` refused during MigrationsFinish: 1 old node still answers: "
      + "blue-2 (proxy http://127.0.0.1:5002 answered 404; Admin API http://127.0.0.1:5003/status refused (ECONNREFUSED))"]);
  });

  it("fails when finish ran without the gate, and is unknown when the run ended before finish", async () => {
    const fx = new RunFixture().at(0).phase("MigrationsFinish");
    fx.history.ok(fx.history.invoke("migrations", F.migrationsFinish, {}), { exitCode: 0 });
    const r = await finishWaitsForOldNodes.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "`kong migrations finish` ran during MigrationsFinish without the old nodes' ports being probed first"]);
    const early = await finishWaitsForOldNodes.check(new RunFixture().at(0).phase("Shift").ctx());
    expect(early.status).to.equal("unknown");
  });
});
