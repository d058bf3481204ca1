import { expect } from "chai";
import { readinessHonest } from "./readiness-honest.ts";
import { F, type ReadinessValue } from "./records.ts";
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
});
