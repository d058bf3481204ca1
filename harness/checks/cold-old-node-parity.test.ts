import { expect } from "chai";
import { coldOldNodeParity, mismatch } from "./cold-old-node-parity.ts";
import { F, type ProbeAnswerValue, type ProbeAnswersValue } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const OK: ProbeAnswerValue[] = [
  { probe: "echo", status: 200, fromUpstream: true },
  { probe: "key-auth-missing", status: 401, fromUpstream: false },
  { probe: "limited", status: 429, fromUpstream: false },
];

function probed(cold: ProbeAnswerValue[], rebuilt: ProbeAnswerValue[] | undefined, detail?: string): RunFixture {
  const fx = new RunFixture().at(0).phase("MigrationsUp").at(500);
  fx.event("harness", F.probeAnswers, { node: "blue-cold", cluster: "blue", purpose: "cold-start", answers: cold, ...(detail ? { detail } : {}) } satisfies ProbeAnswersValue, "blue-cold");
  if (rebuilt) fx.event("harness", F.probeAnswers, { node: "blue-1", cluster: "blue", purpose: "rebuild", answers: rebuilt } satisfies ProbeAnswersValue, "blue-1");
  return fx;
}

describe("cold-old-node-parity", () => {
  it("judges an answer by the baseline's statuses, and a 200 only when the upstream gave it", () => {
    const b = EXPECTATIONS.baseline;
    expect(mismatch(b, { probe: "limited", status: 200, fromUpstream: true })).to.equal(undefined);
    expect(mismatch(b, { probe: "echo", status: 404, fromUpstream: false })).to.equal("echo got 404 (baseline 200)");
    expect(mismatch(b, { probe: "echo", status: 200, fromUpstream: false })).to.equal("echo got 200 from Kong itself, not from the upstream");
    expect(mismatch(b, { probe: "echo", status: null, fromUpstream: false, error: "ECONNREFUSED" })).to.equal("echo got no answer (ECONNREFUSED; baseline 200)");
    expect(mismatch(b, { probe: "other", status: 200, fromUpstream: true })).to.equal("other has no baseline");
    // A CORS preflight's baseline 200 is Kong's own: from the upstream is the difference then.
    expect(mismatch(b, { probe: "echo", status: 200, fromUpstream: false }, ["echo"])).to.equal(undefined);
    expect(mismatch(b, { probe: "echo", status: 200, fromUpstream: true }, ["echo"])).to.equal("echo got 200 from the upstream, where the baseline's came from Kong itself");
  });

  it("passes when the cold node and the rebuilt node both answer like the baseline", async () => {
    const r = await coldOldNodeParity.check(probed(OK, OK).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "old nodes answered like the baseline after `up`: blue-cold (cold start during MigrationsUp) 3/3; blue-1 (rebuild during MigrationsUp) 3/3"]);
  });

  it("fails naming the node, the phase and the answers that differ, for the cold node and the rebuilt one", async () => {
    const cold = [{ probe: "echo", status: 401, fromUpstream: false }, ...OK.slice(1)];
    const rebuilt = [{ probe: "echo", status: 404, fromUpstream: false }, ...OK.slice(1)];
    const r = await coldOldNodeParity.check(probed(cold, rebuilt, "started with kong:1.5.1 after `up`").ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("an old node that reads the datastore afresh after `up` answers differently from the baseline (damage hidden by the running nodes' caches): "
      + "blue-cold (cold start during MigrationsUp; started with kong:1.5.1 after `up`): echo got 401 (baseline 200); blue-1 (rebuild during MigrationsUp): echo got 404 (baseline 200)");
  });

  it("fails when the cold node did not even start (every probe unanswered, with why)", async () => {
    const why = "did not start: exited 1: Error: [postgres] column \"x\" does not exist";
    const r = await coldOldNodeParity.check(probed(OK.map((a) => ({ probe: a.probe, status: null, fromUpstream: false, error: why })), OK, why).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.contain(`blue-cold (cold start during MigrationsUp; ${why}): echo got no answer (${why}; baseline 200)`);
  });

  it("is unknown until both a cold start and a rebuild were probed; the old node after finish does not count", async () => {
    const fx = probed(OK, undefined);
    fx.event("harness", F.probeAnswers, { node: "blue-after-finish", cluster: "blue", purpose: "old-after-finish", answers: OK } satisfies ProbeAnswersValue);
    const r = await coldOldNodeParity.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no old node was probed after a rebuild after `up`"]);
    expect((await coldOldNodeParity.check(new RunFixture().ctx())).message).to.equal("no old node was probed after a cold start or a rebuild after `up`");
  });
});
