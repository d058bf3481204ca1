// The shift driven one tick at a time, no timers, as Flagger's scheduler tests do.
import { expect } from "chai";
import { advance, initialShiftStatus, type ShiftAction, type ShiftStatus, type Verdict } from "./advance.ts";
import { WeightPlan } from "./weight-plan.ts";

describe("traffic: advance()", function () {
  const plan = WeightPlan.of([0, 10, 100], { holdMs: 1_000, threshold: 2, maxHalts: 1 });

  function tick(s: ShiftStatus, v: Verdict): [ShiftStatus, ShiftAction] {
    return advance(s, v, plan);
  }

  it("walks every step to promotion when checks pass", function () {
    // initializing -> first step
    let [s, a] = tick(initialShiftStatus, "pass");
    expect(a).to.deep.equal({ kind: "setWeights", blue: 100, green: 0, stepIndex: 0, holdMs: 1_000, message: `Starting traffic shift: ${plan.describe()}` });
    expect(s).to.deep.equal({ phase: "Progressing", stepIndex: 0, greenWeight: 0, failedChecks: 0, halts: 0, iterations: 1 });
    // step 0 held -> 10%
    [s, a] = tick(s, "pass");
    expect(a).to.deep.equal({ kind: "setWeights", blue: 90, green: 10, stepIndex: 1, holdMs: 1_000, message: "Advance green weight 0% → 10%" });
    // 10% held -> 100%
    [s, a] = tick(s, "pass");
    expect(a).to.include({ kind: "setWeights", blue: 0, green: 100, stepIndex: 2 });
    // 100% held -> promote
    [s, a] = tick(s, "pass");
    expect(a).to.deep.equal({ kind: "promote", message: "Promotion completed! green holds 100% with passing checks" });
    expect(s.phase).to.equal("Succeeded");
    expect(s.iterations).to.equal(4);
    // terminal: nothing more happens
    const [s2, a2] = tick(s, "fail");
    expect(a2).to.deep.equal({ kind: "none" });
    expect(s2).to.equal(s);
  });

  it("halts on a failed check below the threshold, rolls back when it is reached", function () {
    let [s] = tick(initialShiftStatus, "pass");
    [s] = tick(s, "pass"); // at 10%
    let a: ShiftAction;
    // first failed check: hold 10%
    [s, a] = tick(s, "fail");
    expect(a).to.deep.equal({ kind: "hold", green: 10, holdMs: 1_000, message: "Halt at green weight 10%: failed checks 1 of threshold 2" });
    expect(s).to.include({ phase: "Progressing", greenWeight: 10, failedChecks: 1 });
    // a passing tick moves on but keeps the count (Flagger does not reset failedChecks)
    [s, a] = tick(s, "pass");
    expect(a).to.include({ kind: "setWeights", green: 100 });
    // second failed check: threshold reached -> roll back to blue
    [s, a] = tick(s, "fail");
    expect(a).to.deep.equal({ kind: "abort", blue: 100, green: 0, message: "Rolling back to blue 100%: 2 failed check(s) reached the threshold of 2" });
    expect(s).to.include({ phase: "Failed", greenWeight: 0, failedChecks: 2 });
    expect(tick(s, "pass")[1]).to.deep.equal({ kind: "none" });
  });

  it("treats no data as a halt, never as a pass, and rolls back after maxHalts", function () {
    let [s] = tick(initialShiftStatus, "pass");
    let a: ShiftAction;
    [s, a] = tick(s, "unknown");
    expect(a).to.deep.equal({ kind: "hold", green: 0, holdMs: 1_000, message: "Halt at green weight 0%: no values found, probably no traffic (1 of 1)" });
    expect(s).to.include({ stepIndex: 0, halts: 1, failedChecks: 0 });
    // data again: the halt streak resets and the shift moves on
    [s, a] = tick(s, "pass");
    expect(a).to.include({ kind: "setWeights", green: 10 });
    expect(s.halts).to.equal(0);
    [s] = tick(s, "unknown");
    [s, a] = tick(s, "unknown");
    expect(a).to.deep.equal({ kind: "abort", blue: 100, green: 0, message: "Rolling back to blue 100%: no data for 2 consecutive ticks (at most 1 tolerated)" });
    expect(s.phase).to.equal("Failed");
  });

  it("rolls back before the first step with the default threshold of 1", function () {
    const [s, a] = advance(initialShiftStatus, "fail", WeightPlan.default());
    expect(a.kind).to.equal("abort");
    expect(s).to.include({ phase: "Failed", failedChecks: 1, stepIndex: -1 });
  });
});
