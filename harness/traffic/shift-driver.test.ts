// The driver with a fake load balancer and a fake sleep: no timers, no sockets.
import { expect } from "chai";
import type { ShiftAction, Verdict } from "./advance.ts";
import { driveShift, type ShiftTarget } from "./shift-driver.ts";
import type { Breach } from "./started-load-balancer.ts";
import { WeightPlan } from "./weight-plan.ts";
import type { Weights } from "./weights.ts";

class FakeLb implements ShiftTarget {
  readonly set: Weights[] = [];
  private readonly controller = new AbortController();
  breach: Breach | undefined;
  setWeights(w: Weights): void {
    this.set.push(w);
  }
  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }
  trip(reason: string): void {
    this.breach = { atMs: 0, reason, failures: 1, record: { seq: 7, startMs: 0, endMs: 0, probe: "p", method: "GET", path: "/", cluster: "green", node: "green-1", status: 500, attempts: 1 } };
    this.set.push({ blue: 100, green: 0 });
    this.controller.abort();
  }
}

describe("traffic: driveShift", function () {
  const plan = WeightPlan.of([0, 50, 100], { holdMs: 1_000 });

  it("sets each weight, holds each step, and promotes", async function () {
    const lb = new FakeLb();
    const slept: number[] = [];
    const actions: ShiftAction["kind"][] = [];
    const applied: number[] = [];
    const final = await driveShift({
      lb, plan, verdict: () => "pass", sleep: async (ms) => void slept.push(ms),
      onTick: (_s, a) => actions.push(a.kind),
      onApplied: (s, a) => void (a.kind === "setWeights" && applied.push(lb.set.length === s.stepIndex + 1 ? s.greenWeight : -1)),
    });
    expect(applied).to.deep.equal([0, 50, 100]); // reported after the load balancer had the weights
    expect(final.phase).to.equal("Succeeded");
    expect(lb.set).to.deep.equal([{ blue: 100, green: 0 }, { blue: 50, green: 50 }, { blue: 0, green: 100 }]);
    expect(slept).to.deep.equal([1_000, 1_000, 1_000]);
    expect(actions).to.deep.equal(["setWeights", "setWeights", "setWeights", "promote"]);
  });

  it("rolls back on a failed verdict", async function () {
    const lb = new FakeLb();
    const verdicts: Verdict[] = ["pass", "fail"];
    const final = await driveShift({ lb, plan, verdict: () => verdicts.shift() ?? "pass", sleep: async () => undefined });
    expect(final).to.include({ phase: "Failed", greenWeight: 0 });
    expect(lb.set.at(-1)).to.deep.equal({ blue: 100, green: 0 });
  });

  it("ends the hold and fails as soon as the load balancer trips, without asking for a verdict", async function () {
    const lb = new FakeLb();
    let verdictCalls = 0;
    const messages: string[] = [];
    const final = await driveShift({
      lb, plan,
      verdict: () => (verdictCalls++, "pass"),
      onTick: (_s, a) => void (a.kind !== "none" && "message" in a && messages.push(a.message)),
      sleep: (_ms, signal) => {
        if (lb.set.length === 2) lb.trip("error budget breached"); // during the 50% hold
        expect(signal.aborted).to.equal(lb.breach !== undefined);
        return Promise.resolve();
      },
    });
    expect(final.phase).to.equal("Failed");
    expect(verdictCalls).to.equal(1);
    expect(messages.at(-1)).to.equal("Rolling back to blue 100%: error budget breached");
  });

  it("stops with TrafficAbortedError when its own signal aborts", async function () {
    const lb = new FakeLb();
    const ac = new AbortController();
    const run = driveShift({ lb, plan, verdict: () => "pass", signal: ac.signal, sleep: async () => ac.abort() });
    let error: unknown;
    await run.catch((e: unknown) => (error = e));
    expect(error).to.have.property("message", "traffic shift aborted");
    expect(lb.set).to.have.length(1);
  });
});
