import { expect } from "chai";
import { F } from "./records.ts";
import { RunFixture } from "./testing.ts";
import { trafficSplit } from "./traffic-split.ts";
import { zeroFailedRequests } from "./zero-failed-requests.ts";

/** Baseline 0-1000, Shift 1000-3000 with steps 0% (1000) and 25% (2000), Drain 3000-4000. */
function shiftRun(): RunFixture {
  const fx = new RunFixture();
  fx.at(0).phase("Baseline").at(1000).phase("Shift").step(0, 0).at(2000).step(1, 25).at(3000).phase("Drain").at(4000).endPhase();
  return fx;
}

describe("zero-failed-requests", () => {
  it("passes when every request answers as in the baseline (several allowed statuses too)", async () => {
    const fx = shiftRun().load(100, 0, 4000).load(5, 0, 100, { probe: "limited", status: 429 }).load(5, 0, 100, { probe: "key-auth-missing", status: 401 });
    const r = await zeroFailedRequests.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "0 of 110 requests failed"]);
  });

  it("counts failures by kind and attributes them to phase, step, cluster and node in the message", async () => {
    const fx = shiftRun()
      .load(24_075, 0, 4000)
      .load(35, 2100, 2900, { cluster: "green", node: "green-1", status: 500 })
      .load(2, 3100, 3200, { node: "blue-2", status: null, error: "reset" });
    fx.request({ startMs: 2500, probe: "key-auth-missing", status: 200, cluster: "green", node: "green-2" });
    fx.request({ startMs: 1500, cluster: "none", node: null, status: null, error: "no-backend" });
    const r = await zeroFailedRequests.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("39 of 24,114 requests failed: 35 status 500 on green-1 during Shift step 25%, 2 reset on blue-2 during Drain, 1 no-backend during Shift step 0%, 1 status 200 on green-2 during Shift step 25%");
    expect(r.evidence.slice(0, 6)).to.deep.equal([
      "by kind: status 500 35, reset 2, no-backend 1, status 200 1",
      "by phase: Shift 37, Drain 2",
      "by step: 25% 36, 0% 1",
      "by cluster: green 36, blue 2, none 1",
      "by node: green-1 35, blue-2 2, (none) 1, green-2 1",
      "by probe: echo 38, key-auth-missing 1",
    ]);
    expect(r.evidence[6]).to.equal("first 20 failures in full (see requests.jsonl):");
    expect(JSON.parse(r.evidence[7]!)).to.include({ kind: "status", status: 500, expected: 200, node: "green-1", during: "Shift step 25%" });
    expect(r.evidence).to.have.length(8 + 19);
  });

  it("is unknown without requests, and when a probe has no baseline", async () => {
    expect((await zeroFailedRequests.check(shiftRun().ctx())).message).to.equal("no load requests in requests.jsonl: the load did not run or reached no load balancer");
    const r = await zeroFailedRequests.check(shiftRun().load(3, 0, 10).request({ probe: "new-route" }).ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "0 of 4 requests failed, but some probes have no baseline to compare with"]);
  });

  it("ignores requests from other sources than the load", async () => {
    const r = await zeroFailedRequests.check(shiftRun().load(3, 0, 10).request({ source: "verifier", status: 404 }).ctx());
    expect(r.message).to.equal("0 of 3 requests failed");
  });
});

describe("traffic-split", () => {
  it("passes within 3 pp, counting requests by the step they started in, and excludes those started before the weights were applied", async () => {
    const fx = new RunFixture({ ...new RunFixture().expectations, shiftPlan: [0, 25] });
    fx.at(1000).phase("Shift").step(0, 0, 100).at(2000).step(1, 25, 100).at(3000).phase("Drain");
    fx.load(100, 1110, 1990); // step 0: all blue
    fx.load(10, 1000, 1100, { cluster: "green", node: "green-1" }); // before step 0 was applied: excluded
    // Within EDGE_MS of the next change: the two clocks cannot tell which weight split it: excluded.
    fx.request({ startMs: 1999, endMs: 2003, cluster: "green", node: "green-1" });
    fx.load(76, 2110, 2990).load(24, 2110, 2990, { cluster: "green", node: "green-1" });
    fx.request({ startMs: 2995, endMs: 3010, cluster: "green", node: "green-1" }); // routed in the step, ends after it: counted
    const r = await trafficSplit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "achieved green share within 3 pp of the plan at all 2 steps (largest deviation 0.2 pp at 25%)"]);
    expect(r.evidence).to.deep.equal([
      "step 0%: achieved 0.0% (blue 100, green 0, excluded 11) pass",
      "step 25%: achieved 24.8% (blue 76, green 25, excluded 0) pass",
    ]);
  });

  it("does not under-count a slower cluster: its answers that end after the step still count for the step that routed them", async () => {
    const fx = new RunFixture({ ...new RunFixture().expectations, shiftPlan: [50] });
    fx.at(1000).phase("Shift").step(0, 50).at(2000).phase("Drain");
    fx.load(50, 1010, 1990, {}, 5);
    fx.load(50, 1010, 1990, { cluster: "green", node: "green-1" }, 155);
    const r = await trafficSplit.check(fx.ctx());
    expect([r.status, r.evidence]).to.deep.equal(["pass", ["step 50%: achieved 50.0% (blue 50, green 50, excluded 0) pass"]]);
  });

  it("fails a step off by more than 3 pp, and a step that ran at another weight than planned", async () => {
    const fx = new RunFixture({ ...new RunFixture().expectations, shiftPlan: [0, 10] });
    fx.at(1000).phase("Shift").step(0, 0).at(2000).step(1, 25).at(3000).phase("Drain");
    fx.load(100, 1010, 1990).load(70, 2010, 2990).load(30, 2010, 2990, { cluster: "green", node: "green-2" });
    const r = await trafficSplit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "achieved split off the plan by more than 3 pp: step 25% got 30.0% green (of 100 requests); step 1 ran at 25% but the plan says 10"]);
  });

  it("is unknown for a step without data or without confirmed weights, and without steps", async () => {
    expect((await trafficSplit.check(new RunFixture().ctx())).message).to.equal("no shift steps in history.jsonl: the shift did not run");
    const fx = new RunFixture();
    fx.at(1000).phase("Shift").step(0, 0);
    fx.history.invoke("shift", F.step, { index: 1, greenWeight: 50 });
    fx.at(3000).endPhase();
    const r = await trafficSplit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "split could not be judged at every step: step 0%: no values found: no request started inside the step; step 50%: the LB never confirmed the weights"]);
  });
});
