import { expect } from "chai";
import { F } from "./records.ts";
import { refusalProbes, securityParity } from "./security-parity.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const run = (): RunFixture => new RunFixture().at(0).phase("Baseline").at(1000).phase("Shift").step(0, 50);

describe("security-parity", () => {
  it("judges only probes whose baseline is nothing but 401, 403 or 429 (a rate-limited probe may get 200)", () => {
    expect(refusalProbes({ a: 401, b: [403, 429], c: [200, 429], d: 200, e: [] })).to.deep.equal({ a: [401], b: [403, 429] });
  });

  it("passes when refusals stay refusals through the load and the direct probes", async () => {
    const fx = run().load(10, 1000, 2000, { probe: "key-auth-missing", status: 401 }).load(10, 1000, 2000, { probe: "limited", status: 200 });
    fx.event("harness", F.probeAnswers, { node: "blue-cold", cluster: "blue", purpose: "cold-start", answers: [{ probe: "key-auth-missing", status: 401, fromUpstream: false }] }, "blue-cold");
    const r = await securityParity.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "no request that the baseline refuses got 200: key-auth-missing over 10 requests and 1 direct probes on 2 nodes"]);
  });

  it("fails on a 200 through the load balancer, naming probe, node, cluster and step, apart from the error count", async () => {
    const fx = run().load(3, 1000, 2000, { probe: "key-auth-missing", status: 200, cluster: "green", node: "green-2" }).load(5, 1000, 2000, { probe: "key-auth-missing", status: 401 });
    const r = await securityParity.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("security parity broken: 3 requests that the baseline refuses were answered 200: key-auth-missing (baseline 401) got 200 on green-2 (green) during Shift step 50% 3 times");
  });

  it("fails on a 200 from a direct probe: the readiness gate's mismatch, an old node after finish, a new node after finish", async () => {
    const fx = run();
    fx.event("harness", F.nodeReady, { node: "green-1", cluster: "green", ready: false, mismatches: ["key-auth-missing got 200", "echo got Headers Timeout Error"] });
    fx.at(5000).phase("OldNodeAfterFinish");
    fx.event("harness", F.probeAnswers, { node: "blue-after-finish", cluster: "blue", purpose: "old-after-finish", answers: [{ probe: "key-auth-missing", status: 200, fromUpstream: true }] }, "blue-after-finish");
    fx.event("verifier", F.verifyEntity, { entity: "probe/key-auth-missing", cluster: "green", seen: "status 200", matches: false }, "green-2");
    const r = await securityParity.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("security parity broken: 3 requests that the baseline refuses were answered 200: "
      + "key-auth-missing (baseline 401) got 200 on blue-after-finish (blue) during OldNodeAfterFinish [probe: old-after-finish]; "
      + "key-auth-missing (baseline 401) got 200 on green-1 (green) during Shift step 50% [probe: ready]; "
      + "key-auth-missing (baseline 401) got 200 on green-2 (green) during OldNodeAfterFinish [probe: after-finish]");
  });

  it("is unknown with no refusal in the baseline, or no request for it", async () => {
    const none = await securityParity.check(new RunFixture({ ...EXPECTATIONS, baseline: { echo: 200 } }).ctx());
    expect([none.status, none.message]).to.deep.equal(["unknown", "no probe's baseline answer is 401, 403 or 429: nothing to check"]);
    const idle = await securityParity.check(run().load(5, 1000, 2000).ctx());
    expect([idle.status, idle.message]).to.deep.equal(["unknown", "no request for key-auth-missing was recorded: security parity was never exercised"]);
  });
});
