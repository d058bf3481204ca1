import { expect } from "chai";
import { faultExpectations } from "./fault-expectations.ts";
import { F, type FaultExpectation, type FaultValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

function chaosRun(): RunFixture {
  const fx = new RunFixture();
  fx.event("nemesis", F.chaosSchedule, { seed: 3, toxiproxy: false, loadBalancer: {}, faults: [] });
  return fx.phase("Shift");
}

/** A fault held from `from` to `to` (ms); "fail": it could not be injected. */
function fault(fx: RunFixture, id: string, from: number, to: number, expect: FaultExpectation, nodes: string[] = ["blue-1"], end: "ok" | "fail" = "ok"): void {
  const value: FaultValue = { id, kind: nodes.length ? "kill" : "datastore-restart", target: nodes.length ? `node ${nodes[0]}` : "datastore", nodes, params: {}, at: "phase Shift +0ms", expect };
  const op = fx.at(from).history.invoke(`nemesis:${id}`, F.fault, value);
  fx.at(to);
  if (end === "ok") fx.history.ok(op, { ...value, outcome: "recovered" });
  else fx.history.fail(op, "not injected: phase Shift ended first");
}

describe("check: fault-expectations", () => {
  it("passes when every fault stays within its expectation, and counts what each window saw", async () => {
    const fx = chaosRun();
    fx.load(100, 0, 10_000);
    fault(fx, "kill-1", 1_000, 2_000, { kind: "zero-failures" });
    fault(fx, "freeze-1", 3_000, 4_000, { kind: "budget", maxFailures: 5, graceMs: 500 }, ["blue-2"]);
    fx.load(5, 3_100, 4_400, { node: "blue-2", status: null, error: "timeout" }).load(3, 1_100, 1_200, { attempts: 2 });
    const r = await faultExpectations.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "2 faults, each within its expectation; 0 of 108 load requests failed outside the fault windows: kill-1 0 failed, freeze-1 5 failed"]);
    expect(r.evidence[1]).to.equal("kill-1 (kill node blue-1, phase Shift +0ms, expect zero-failures): 0 failed of 14, 3 retried; recovered");
  });

  it("fails a budget exceeded, a zero-failures fault with failures, and failures outside every window, naming fault, window, node and counts", async () => {
    const fx = chaosRun();
    fault(fx, "kill-1", 1_000, 2_000, { kind: "zero-failures" });
    fault(fx, "freeze-1", 3_000, 4_000, { kind: "budget", maxFailures: 1, graceMs: 500 }, ["blue-2"]);
    fx.load(2, 1_100, 1_200, { error: "connect", status: null }).load(3, 3_100, 4_400, { node: "blue-2", status: 502 }).load(1, 8_000, 8_001, { node: "green-1", status: 500, cluster: "green" });
    const r = await faultExpectations.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal([
      "fault kill-1 (kill node blue-1, window 1.0s-2.0s + grace 0ms) was declared zero-failures, got 2 failed requests (connect 2; by node: blue-1 2)",
      "fault freeze-1 (kill node blue-2, window 3.0s-4.0s + grace 500ms) allowed at most 1 failed request, got 3 failed requests (status 502 3; by node: blue-2 3)",
      "1 load request failed outside every fault window: 1 status 500 on green-1 during Shift",
    ].join("; "));
  });

  it("attributes a failure to the fault acting on its node, else to one acting on no single node", async () => {
    const fx = chaosRun();
    const value = (id: string, nodes: string[], maxFailures: number): FaultValue =>
      ({ id, kind: "x", target: nodes[0] ?? "datastore", nodes, params: {}, at: "phase Shift +0ms", expect: { kind: "budget", maxFailures } });
    const db = fx.at(1_000).history.invoke("nemesis:restart-db", F.fault, value("restart-db", [], 10));
    const kill = fx.at(2_000).history.invoke("nemesis:kill-2", F.fault, value("kill-2", ["blue-2"], 1));
    fx.at(3_000).history.ok(kill);
    fx.at(5_000).history.ok(db);
    fx.load(1, 2_100, 2_200, { node: "blue-2", status: 503 }).load(4, 2_100, 2_200, { node: "blue-1", status: 503 });
    const r = await faultExpectations.check(fx.ctx());
    expect(r.status, r.message).to.equal("pass");
    expect((r.data!.faults as { id: string; failures: number }[]).map((f) => [f.id, f.failures])).to.deep.equal([["restart-db", 4], ["kill-2", 1]]);
  });

  it("fails a failure on a node no fault touches as outside every window, even while a single-node fault is held", async () => {
    const fx = chaosRun();
    fault(fx, "kill-1", 1_000, 3_000, { kind: "budget", maxFailures: 10 });
    fx.load(2, 1_100, 1_200, { node: "blue-1", status: 502 }).load(3, 1_500, 1_600, { node: "green-1", status: 503, cluster: "green" }).load(1, 2_000, 2_100, { node: null, status: null, error: "no-backend" });
    const r = await faultExpectations.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "4 load requests failed outside every fault window: 3 status 503 on green-1 during Shift, 1 no-backend during Shift"]);
    expect((r.data!.faults as { id: string; failures: number }[]).map((f) => [f.id, f.failures])).to.deep.equal([["kill-1", 2]]);
  });

  it("fails a fault whose recovery failed, and closes its window there: later failures are outside it", async () => {
    const fx = chaosRun();
    const value: FaultValue = { id: "kill-1", kind: "kill", target: "node blue-1", nodes: ["blue-1"], params: {}, at: "step 0% +1000ms", expect: { kind: "budget", maxFailures: 100 } };
    const op = fx.at(1_000).history.invoke("nemesis:kill-1", F.fault, value);
    fx.at(3_000).history.info(op, "recovery failed: container exited (137)", value);
    fx.load(2, 1_100, 1_200, { node: "blue-1", status: 502 }).load(5, 6_000, 6_100, { node: "blue-1", status: 502 });
    fx.at(9_000).phase("Drain");
    const r = await faultExpectations.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("fault kill-1 (kill node blue-1, window 1.0s-3.0s + grace 0ms) was injected but recovery failed: container exited (137): what it broke was never undone; "
      + "5 load requests failed outside every fault window: 5 status 502 on blue-1 during Shift");
    expect((r.data!.faults as { state: string }[])[0]!.state).to.equal("recovery failed");
  });

  it("fails a fault that was not injected and a proxy-unaffected window with an Admin write left without outcome", async () => {
    const fx = chaosRun();
    fx.load(10, 0, 5_000);
    fault(fx, "late", 500, 500, { kind: "zero-failures" }, ["green-1"], "fail");
    fx.at(1_000);
    const db = fx.history.invoke("nemesis:db", F.fault, { id: "db", kind: "datastore-restart", target: "datastore", nodes: [], params: {}, at: "step 100% +0ms", expect: { kind: "proxy-unaffected" } });
    fx.at(1_100).history.invoke("admin-writer", F.adminWrite, { writeId: "w-1", cluster: "blue", entity: "routes/w1", action: "create" }, { node: "blue-1" });
    fx.at(1_200).write("blue-1", "fail", 10);
    fx.at(3_000).history.ok(db, { ...db.value as FaultValue, outcome: "datastore restarted" });
    const r = await faultExpectations.check(fx.ctx());
    expect(r.message).to.equal("fault late (kill node green-1, phase Shift +0ms) was scheduled but not injected: phase Shift ended first; "
      + "fault db (datastore-restart datastore, window 1.0s-3.0s + grace 0ms): 1 Admin write in the window without a recorded outcome");
  });

  it("is unknown in a run without a fault schedule", async () => {
    const r = await faultExpectations.check(new RunFixture().phase("Shift").load(5, 0, 100).ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no chaos-schedule op in history.jsonl: this run scheduled no faults"]);
  });
});
