import { expect } from "chai";
import { newNodesReady } from "./new-nodes-ready.ts";
import { probeObservations } from "./probe-answers.ts";
import { F, type NodeReadyValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

const ready = (fx: RunFixture, node: string, ok: boolean, mismatches: string[] = []): RunFixture =>
  fx.event("harness", F.nodeReady, { node, cluster: "green", ready: ok, mismatches } satisfies NodeReadyValue);

describe("new-nodes-ready", () => {
  it("passes when every new node answered like the baseline", async () => {
    const fx = new RunFixture().phase("GreenStart");
    ready(ready(fx, "green-1", true), "green-2", true);
    const r = await newNodesReady.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 2 new nodes answered like the baseline at their readiness gate (green-1, green-2)"]);
  });

  it("fails a node that was not ready, naming it, the phase and its mismatches", async () => {
    const fx = new RunFixture().phase("GreenStart");
    ready(fx, "green-1", false, ["public-get got Headers Timeout Error", "keyauth-ok got 401"]);
    const r = await newNodesReady.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 of 1 new nodes never answered like the baseline: new node green-1 (green) did not answer like the baseline during GreenStart: public-get got Headers Timeout Error, keyauth-ok got 401"]);
    expect(r.evidence.at(-1)).to.equal("see history.jsonl (f \"node-ready\") and the node logs in report.json");
  });

  it("says which field differed, and the status stays readable to the checks that read mismatches", async () => {
    const fx = new RunFixture().phase("GreenStart");
    const detail = "rate-limited got 200: x-echo missing: the answer did not come from the upstream; x-ratelimit-remaining-second missing on green-1 (blue-1 sent it)";
    ready(fx, "green-1", false, [detail, "keyauth-ok got 401"]);
    const r = await newNodesReady.check(fx.ctx());
    expect(r.message).to.equal(`1 of 1 new nodes never answered like the baseline: new node green-1 (green) did not answer like the baseline during GreenStart: ${detail}, keyauth-ok got 401`);
    expect(probeObservations(fx.history.all()).map((o) => [o.probe, o.status])).to.deep.equal([["rate-limited", 200], ["keyauth-ok", 401]]);
  });

  it("is unknown without node-ready ops, and when a new node was never judged", async () => {
    expect((await newNodesReady.check(new RunFixture().ctx())).message).to.equal("no node-ready ops in history.jsonl: no new node was judged");
    const r = await newNodesReady.check(ready(new RunFixture(), "green-1", true).ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "new nodes never judged ready or not: green-2 (1 judged ready)"]);
  });
});
