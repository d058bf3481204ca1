import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { describeFault, resolveSchedule, type FaultSpec, type ScheduleContext } from "./schedule.ts";

const CTX: ScheduleContext = { seed: 7, toxiproxy: true, steps: [0, 50, 100], nodes: { blue: ["blue-1", "blue-2", "blue-3"], green: ["green-1", "green-2"] } };
const zero = { kind: "zero-failures" } as const;

function problems(specs: FaultSpec[], ctx: ScheduleContext = CTX): string[] {
  try {
    resolveSchedule(specs, ctx);
  } catch (e) {
    if (e instanceof InvalidConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe("chaos: fault schedule", () => {
  it("resolves fixed triggers and targets as given, with the default duration", () => {
    const [f] = resolveSchedule([{ kind: "kill", target: { node: "blue-2" }, at: { step: 50, afterMs: 500 }, expect: zero }], CTX);
    expect(f).to.deep.equal({ id: "kill-1", kind: "kill", target: { node: "blue-2" }, trigger: { step: 50, afterMs: 500 }, forMs: 3_000, params: {}, expect: zero });
    expect(describeFault(f!)).to.equal("kill-1: kill node blue-2 step 50% +500ms for 3000ms, expect zero-failures");
  });

  it("draws random nodes and offsets from the seed: the same seed gives the same schedule, another seed may not", () => {
    const specs: FaultSpec[] = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, kind: "pause", target: { randomNode: "blue" }, at: { random: { phase: "Shift", withinMs: 10_000 } }, expect: zero }));
    const a = resolveSchedule(specs, CTX);
    expect(resolveSchedule(specs, CTX)).to.deep.equal(a);
    const b = resolveSchedule(specs, { ...CTX, seed: 8 });
    expect(b.map((f) => [f.target, f.trigger])).to.not.deep.equal(a.map((f) => [f.target, f.trigger]));
    for (const f of [...a, ...b]) {
      expect(["blue-1", "blue-2", "blue-3"]).to.include((f.target as { node: string }).node);
      const t = f.trigger as { phase: string; afterMs: number };
      expect(t.phase).to.equal("Shift");
      expect(t.afterMs).to.be.within(0, 9_999);
    }
  });

  it("lists every problem of every fault at once", () => {
    expect(problems([
      { id: "a", kind: "kill", target: { cluster: "blue" }, at: { step: 30 }, expect: zero },
      { id: "a", kind: "latency", target: { node: "blue-9" }, at: { phase: "Shift", afterMs: -1 }, expect: { kind: "budget", maxFailures: 1.5 } },
      { kind: "extra-node", at: { atMs: 0 }, expect: zero },
      { kind: "bogus" as "kill", at: { atMs: 0 }, expect: zero },
    ])).to.deep.equal([
      'fault 1 ("a"): at.step 30% is not a step of the shift plan (0, 50, 100)',
      'fault 1 ("a"): a kill fault acts on one node: use {node} or {randomNode}',
      'fault 2 ("a"): the id is used twice; give each fault its own id',
      'fault 2 ("a"): at.afterMs must be a number >= 0, but is -1',
      'fault 2 ("a"): node "blue-9" is not one of the scenario\'s nodes (blue-1, blue-2, blue-3, green-1, green-2)',
      'fault 2 ("a"): expect.maxFailures must be a whole number >= 0, but is 1.5',
      'fault 2 ("a"): a latency fault needs params.latencyMs',
      'fault 3 ("extra-node-3"): an extra-node fault needs params.cluster "blue" (old version) or "green" (new version)',
      'fault 4 ("bogus-4"): kind must be one of kill, stop, pause, restart, latency, bandwidth, timeout, reset-peer, partition, extra-node, datastore-restart, but is "bogus"',
    ]);
  });

  it("refuses toxic faults unless the datastore is behind Toxiproxy", () => {
    expect(problems([{ kind: "partition", target: "all", at: { atMs: 0 }, expect: zero }], { ...CTX, toxiproxy: false }))
      .to.deep.equal(['fault 1 ("partition-1"): a partition fault needs the datastore behind Toxiproxy: set toxiproxy: true in the chaos plan']);
  });

  it("a datastore restart targets the datastore and lasts as long as the restart", () => {
    const [f] = resolveSchedule([{ kind: "datastore-restart", at: { phase: "Shift" }, expect: { kind: "proxy-unaffected", graceMs: 2_000 } }], CTX);
    expect([f!.target, f!.forMs, f!.trigger]).to.deep.equal(["datastore", 0, { phase: "Shift", afterMs: 0 }]);
    expect(describeFault(f!)).to.equal("datastore-restart-1: datastore-restart datastore phase Shift +0ms for 0ms, expect proxy-unaffected (grace 2000ms)");
  });
});
