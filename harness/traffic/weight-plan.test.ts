import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { WeightPlan } from "./weight-plan.ts";

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(InvalidConfigError);
    return (e as InvalidConfigError).problems;
  }
  throw new Error("expected an InvalidConfigError");
}

describe("traffic: WeightPlan", function () {
  it("defaults to 0, 5, 10, 25, 50, 75, 100 with a 10 s hold and describes itself", function () {
    const plan = WeightPlan.default();
    expect(plan.steps).to.deep.equal([0, 5, 10, 25, 50, 75, 100]);
    expect(plan.holdMsAt(3)).to.equal(10_000);
    expect(plan.totalHoldMs).to.equal(70_000);
    expect(plan.describe()).to.equal("green weight 0 → 5 → 10 → 25 → 50 → 75 → 100%, hold 10000ms per step, roll back after 1 failed check(s)");
  });

  it("takes one hold per step and says so", function () {
    const plan = WeightPlan.of([10, 50, 100], { holdMs: [1_000, 2_000, 3_000], threshold: 2 });
    expect(plan.holdMsAt(1)).to.equal(2_000);
    expect(plan.describe()).to.equal("green weight 10 → 50 → 100%, holds 1000, 2000, 3000ms, roll back after 2 failed check(s)");
    expect(plan.toJSON()).to.deep.equal({ steps: [10, 50, 100], holdMs: [1_000, 2_000, 3_000], threshold: 2, maxHalts: 3 });
    expect(() => plan.holdMsAt(3)).to.throw(RangeError, "step 3 is not in the plan (3 steps)");
  });

  it("rejects an empty plan", function () {
    expect(problemsOf(() => WeightPlan.of([]))).to.deep.equal(["a weight plan needs at least one step"]);
  });

  it("reports every problem at once, with exact messages", function () {
    expect(problemsOf(() => WeightPlan.of([0, 50, 50, 101, 7.5], { holdMs: -1, threshold: 0, maxHalts: 1.5 }))).to.deep.equal([
      "steps must rise, but step 2 (50) is not above step 1 (50)",
      "step 3 must be an integer percent within 0..100, got 101",
      "step 4 must be an integer percent within 0..100, got 7.5",
      "steps must rise, but step 4 (7.5) is not above step 3 (101)",
      "the last step must be 100 (all traffic on green), got 7.5",
      "holdMs must be a non-negative integer, got -1",
      "threshold must be a positive integer, got 0",
      "maxHalts must be a positive integer, got 1.5",
    ]);
  });

  it("requires the plan to end at 100 and one hold per step", function () {
    expect(problemsOf(() => WeightPlan.of([10, 50], { holdMs: [1, 2, 3] }))).to.deep.equal([
      "the last step must be 100 (all traffic on green), got 50",
      "holdMs has 3 entries for 2 steps",
    ]);
  });

  it("joins the problems into the error message", function () {
    expect(() => WeightPlan.of([-5, 100])).to.throw(InvalidConfigError, "step 0 must be an integer percent within 0..100, got -5");
  });
});
