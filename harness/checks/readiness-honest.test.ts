import { expect } from "chai";
import { readinessHonest } from "./readiness-honest.ts";
import { F, type FaultValue, type ReadinessValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

/** A GreenStart in which each node's gate recorded when `/status` said ready and when it served. */
function gated(nodes: readonly Omit<ReadinessValue, "cluster" | "lastMismatches">[], lastMismatches: readonly string[] = []): RunFixture {
  const fx = new RunFixture();
  fx.at(10_000).phase("GreenStart");
  for (const v of nodes) fx.history.event("harness", F.readiness, { ...v, cluster: "green", lastMismatches: v.servingMs === null ? lastMismatches : [] });
  return fx;
}

describe("readiness-honest", () => {
  it("passes when every node served like the baseline within the propagation bound of `/status` saying ready", async () => {
    const r = await readinessHonest.check(gated([{ node: "green-1", statusReadyMs: 10_000, servingMs: 10_040 }, { node: "green-2", statusReadyMs: 11_000, servingMs: 10_900 }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 2 nodes served like the baseline within 6000 ms of `/status` saying ready (largest gap 40 ms): green-1, green-2"]);
  });

  it("fails a node that said ready seconds before it served, naming the node, the phase and the gap", async () => {
    const r = await readinessHonest.check(gated([{ node: "green-1", statusReadyMs: 10_000, servingMs: 18_200 }, { node: "green-2", statusReadyMs: 18_300, servingMs: 18_350 }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 of 2 nodes said ready before they served like the baseline, by more than the propagation bound 6000 ms: "
      + "green-1 (green, during GreenStart): `/status` said ready at 10000 ms, answered like the baseline at 18200 ms: 8200 ms later"]);
  });

  it("fails a node that said ready and never served, with what it answered", async () => {
    const r = await readinessHonest.check(gated([{ node: "green-1", statusReadyMs: 10_000, servingMs: null }], ["public-get got 503"]).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.match(/green-1 \(green, during GreenStart\): `\/status` said ready at 10000 ms, never answered like the baseline \(last: public-get got 503\)$/);
  });

  it("is unknown without readiness ops, and for a node whose `/status` never said ready", async () => {
    const none = await readinessHonest.check(new RunFixture().ctx());
    expect([none.status, none.message]).to.deep.equal(["unknown", "no readiness ops in history.jsonl: no node's `/status` was watched while it started"]);
    const silent = await readinessHonest.check(gated([{ node: "green-1", statusReadyMs: null, servingMs: 10_500 }]).ctx());
    expect([silent.status, silent.message]).to.deep.equal(["unknown", "`/status` never said ready on green-1, so its honesty could not be judged"]);
  });

  it("judges a node a fault started again, and names the fault", async () => {
    const fx = new RunFixture();
    fx.at(10_000).phase("Shift");
    heldFault(fx, "kill-old-node", ["blue-1"], 10_000, 14_000);
    fx.at(14_500).history.event("harness", F.readiness, { node: "blue-1", cluster: "blue", statusReadyMs: 12_000, servingMs: 19_000, lastMismatches: [], startedBy: "kill-old-node" });
    const r = await readinessHonest.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 of 1 nodes said ready before they served like the baseline, by more than the propagation bound 6000 ms: "
      + "blue-1 (blue, started by fault kill-old-node, during Shift): `/status` said ready at 12000 ms, answered like the baseline at 19000 ms: 7000 ms later"]);
  });

  it("does not judge a gap that overlapped another fault acting on the node or the datastore, and says so", async () => {
    const fx = new RunFixture();
    fx.at(10_000).phase("Shift");
    heldFault(fx, "kill-old-node", ["blue-1"], 10_000, 13_000);
    heldFault(fx, "datastore-restart", [], 13_500, 17_000);
    fx.at(19_500).history.event("harness", F.readiness, { node: "blue-1", cluster: "blue", statusReadyMs: 12_000, servingMs: 19_000, lastMismatches: [], startedBy: "kill-old-node" });
    fx.history.event("harness", F.readiness, { node: "green-1", cluster: "green", statusReadyMs: 9_000, servingMs: 9_100, lastMismatches: [] });
    const r = await readinessHonest.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 1 nodes served like the baseline within 6000 ms of `/status` saying ready (largest gap 100 ms): green-1 (1 not judged: a fault acted on the node or the datastore during its gap)"]);
    expect(r.evidence.at(-1)).to.match(/^not judged: blue-1 \(blue, started by fault kill-old-node, during Shift\).*while fault datastore-restart acted on it or the datastore$/);
    const alone = new RunFixture();
    alone.at(10_000).phase("Shift");
    heldFault(alone, "datastore-restart", [], 10_000, 17_000);
    alone.at(18_000).history.event("harness", F.readiness, { node: "blue-1", cluster: "blue", statusReadyMs: 12_000, servingMs: null, lastMismatches: ["public-get got 503"], startedBy: "kill-old-node" });
    expect((await readinessHonest.check(alone.ctx())).status, "nothing judged is not a pass").to.equal("unknown");
  });
});

/** A fault acting on `nodes` (none: the datastore) from `from` until it recovered at `to`. */
function heldFault(fx: RunFixture, id: string, nodes: string[], from: number, to: number): void {
  const value: FaultValue = { id, kind: nodes.length ? "kill" : "datastore-restart", target: nodes.length ? `node ${nodes[0]}` : "datastore", nodes, params: {}, at: "phase Shift +0ms", expect: { kind: "zero-failures" } };
  const op = fx.at(from).history.invoke(`nemesis:${id}`, F.fault, value);
  fx.at(to).history.ok(op, { ...value, outcome: "recovered" });
}
