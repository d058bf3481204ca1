import { expect } from "chai";
import type { Check } from "./check.ts";
import { excusingNodesUnderFaults, excusingWritesCutByFaults, outsideFaultWindows } from "./fault-windows.ts";
import { F, type AdminWriteValue, type FaultValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

function fault(fx: RunFixture, id: string, kind: string, nodes: string[], from: number, to: number): void {
  const value: FaultValue = { id, kind, target: nodes[0] ?? "datastore", nodes, params: {}, at: "phase Shift +0ms", expect: { kind: "budget", maxFailures: 9 } };
  const op = fx.at(from).history.invoke(`nemesis:${id}`, F.fault, value);
  fx.at(to).history.ok(op);
}

/** Records what the wrapped check was given. */
const spy = (seen: { requests: number[]; expectOn: (readonly string[] | undefined)[] }): Check => ({
  id: "spy", description: "spy",
  async check(ctx) {
    for await (const r of ctx.requests()) seen.requests.push(r.seq);
    for (const op of ctx.history) if (op.f === F.adminWrite && op.type === "invoke") seen.expectOn.push((op.value as AdminWriteValue).expectOn);
    return { id: "spy", status: "pass", message: "ok", evidence: [] };
  },
});

describe("checks judged with a chaos run's faults in mind", () => {
  it("outsideFaultWindows leaves out the requests inside the windows of the named fault kinds, and says so", async () => {
    const fx = new RunFixture().phase("Shift");
    fault(fx, "db", "datastore-restart", [], 1_000, 2_000);
    fault(fx, "k", "kill", ["blue-1"], 3_000, 4_000);
    fx.load(10, 0, 5_000);
    const seen = { requests: [] as number[], expectOn: [] };
    const r = await outsideFaultWindows(spy(seen), ["datastore-restart"], "why").check(fx.ctx());
    expect(seen.requests).to.deep.equal([0, 1, 5, 6, 7, 8, 9]);
    expect(r.message).to.equal("ok (3 requests inside the windows of db not judged: why)");
  });

  it("excusingNodesUnderFaults drops only the faulted node from writes made during or just before its outage", async () => {
    const fx = new RunFixture().phase("Shift");
    fx.at(100).write("blue-2", "ok", 10, { expectOn: ["blue-1", "blue-2", "green-1"] });
    fault(fx, "k", "kill", ["blue-1"], 5_000, 8_000);
    fx.at(9_000).write("blue-2", "ok", 10, { expectOn: ["blue-1", "blue-2", "green-1"] });
    fx.at(9_100).observe("w-1", "blue-1").observe("w-1", "green-1").observe("w-2", "blue-1");
    const seen = { requests: [], expectOn: [] as (readonly string[] | undefined)[] };
    const observed: string[] = [];
    const watch: Check = { ...spy(seen), check: async (ctx) => {
      for (const op of ctx.history) if (op.f === F.observe && op.type === "ok") observed.push(`${(op.value as { writeId: string }).writeId} ${op.node}`);
      return spy(seen).check(ctx);
    } };
    const r = await excusingNodesUnderFaults(watch).check(fx.ctx());
    expect(observed, "the late sighting of w-1 on blue-1 is not judged either").to.deep.equal(["w-1 green-1", "w-2 blue-1"]);
    // The bound (6 s) reaches from the first write (100 ms) into the kill; the second write is after it.
    expect(seen.expectOn).to.deep.equal([["blue-2", "green-1"], ["blue-1", "blue-2", "green-1"]]);
    expect(r.message).to.equal("ok (1 (write, node) pairs not judged: the node was under an outage fault (k) when or just after the write was made)");
  });

  it("excusingWritesCutByFaults leaves out only writes with unknown outcome sent to a node under a fault while in flight", async () => {
    const fx = new RunFixture().phase("Shift");
    const kill = fx.at(900).history.invoke("nemesis:k", F.fault, { id: "k", kind: "kill", target: "node blue-1", nodes: ["blue-1"], params: {}, at: "-", expect: { kind: "zero-failures" } });
    fx.at(1_000).write("blue-1", "info", 600);
    fx.at(1_700).write("blue-2", "info", 10);
    fx.at(1_800).write("blue-1", "fail", 10);
    fx.at(3_000).history.ok(kill);
    const writes: string[] = [];
    const watch: Check = { id: "w", description: "w", check: async (ctx) => {
      for (const op of ctx.history) if (op.f === F.adminWrite && op.type === "invoke") writes.push((op.value as AdminWriteValue).writeId);
      return { id: "w", status: "pass", message: "ok", evidence: [] };
    } };
    const r = await excusingWritesCutByFaults(watch).check(fx.ctx());
    expect(writes).to.deep.equal(["w-2", "w-3"]);
    expect(r.message).to.equal("ok (1 writes cut off by a fault on their node not judged: w-1 via blue-1)");
  });
});
