import { expect } from "chai";
import { DEFAULT_UP_LATENCY, oldLatencyDuringUp } from "./old-latency-during-up.ts";
import { F } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

/**
 * Baseline load 0-1000 ms lasting `baseMs` each; MigrationsUp from 1000 with its `list` (1000-1500);
 * `up` from 1500 to 2500 with old-cluster requests lasting `upMs` each (`slow` of them `slowMs`).
 */
function run(o: { baseMs: number; upMs: number; slow?: number; slowMs?: number; bound?: { multiple: number; floorMs: number } }): RunFixture {
  const fx = new RunFixture({ ...EXPECTATIONS, ...(o.bound ? { upLatency: o.bound } : {}) }).at(0).phase("Baseline");
  fx.load(100, 0, 1000, {}, o.baseMs);
  fx.at(1000).phase("MigrationsUp");
  fx.load(50, 1000, 1500, {}, 900);
  fx.at(1500);
  const up = fx.history.invoke("migrations", F.migrationsUp, { image: "new" });
  fx.load(100 - (o.slow ?? 0), 1500, 2500, {}, o.upMs);
  fx.load(o.slow ?? 0, 1500, 2500, { probe: "limited" }, o.slowMs ?? 0);
  fx.load(20, 1500, 2500, { cluster: "green", node: "green-1" }, 9_000);
  fx.at(2500);
  fx.history.ok(up, { exitCode: 0, stdout: "", stderr: "", image: "new" });
  return fx;
}

describe("old-latency-during-up", () => {
  it("passes within the floor when the baseline is fast (3 x 4 ms would fail on noise)", async () => {
    const r = await oldLatencyDuringUp.check(run({ baseMs: 4, upMs: 300 }).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "old-cluster p99 during `kong migrations up` was 300 ms (100 requests), within 3 x the baseline p99 4 ms, floor 2,000 ms: 2,000 ms"]);
    expect(r.evidence[0]).to.equal("baseline (old cluster, answered load before MigrationsUp): p50 4 ms, p99 4 ms, max 4 ms over 100 requests");
  });

  it("fails when locks slow old-cluster answers during `up` without any error, naming probe and node", async () => {
    const r = await oldLatencyDuringUp.check(run({ baseMs: 4, upMs: 5, slow: 10, slowMs: 6_000 }).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("old-cluster latency during `kong migrations up` went over the bound: p99 6,000 ms (max 6,000 ms, 100 requests) > 3 x the baseline p99 4 ms, floor 2,000 ms: 2,000 ms; "
      + "requests over the bound by probe: limited 10; by node: blue-1 10");
  });

  it("uses the multiple when it is above the floor, as the scenario sets it", async () => {
    const pass = await oldLatencyDuringUp.check(run({ baseMs: 800, upMs: 2_300, bound: { multiple: 3, floorMs: 100 } }).ctx());
    expect(pass.message).to.equal("old-cluster p99 during `kong migrations up` was 2,300 ms (100 requests), within 3 x the baseline p99 800 ms, floor 100 ms: 2,400 ms");
    const fail = await oldLatencyDuringUp.check(run({ baseMs: 800, upMs: 2_300, bound: { multiple: 2, floorMs: 100 } }).ctx());
    expect(fail.status).to.equal("fail");
    expect(DEFAULT_UP_LATENCY).to.deep.equal({ multiple: 3, floorMs: 2_000 });
  });

  it("is unknown without `up`, without a baseline, or without old-cluster requests during `up`", async () => {
    expect((await oldLatencyDuringUp.check(new RunFixture().ctx())).message).to.equal("no `kong migrations up` in history.jsonl: nothing to compare");
    const noBase = new RunFixture().at(0).phase("MigrationsUp");
    noBase.history.ok(noBase.history.invoke("migrations", F.migrationsUp, {}), { exitCode: 0 });
    expect((await oldLatencyDuringUp.check(noBase.ctx())).message).to.equal("only 0 old-cluster requests before MigrationsUp (need 20): no baseline latency");
    const greenOnly = new RunFixture().at(0).phase("Baseline").load(100, 0, 1000, {}, 4).at(1000).phase("MigrationsUp");
    const up = greenOnly.history.invoke("migrations", F.migrationsUp, {});
    greenOnly.load(50, 1000, 2000, { cluster: "green", node: "green-1" }).at(2000);
    greenOnly.history.ok(up, { exitCode: 0 });
    const r = await oldLatencyDuringUp.check(greenOnly.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "only 0 old-cluster requests while `up` ran (need 10): its latency cannot be judged"]);
  });
});
