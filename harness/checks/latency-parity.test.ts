import { expect } from "chai";
import { NODE_FAULTS, TOXIC_FAULTS } from "../chaos/schedule.ts";
import { EVERY_FAULT } from "./fault-windows.ts";
import { ALL_ROUTES, DEFAULT_LATENCY_PARITY, latencyParity, type GroupResult } from "./latency-parity.ts";
import { RunFixture } from "./testing.ts";

/** `perSide` answers a side for each probe, one per 100 ms from 0, at green weight 50; durations per cluster and probe. */
function bothServing(perSide: number, durations: { blue: (probe: string) => number; green: (probe: string) => number }, probes = ["public-get", "keyauth-ok"]): RunFixture {
  const fx = new RunFixture();
  for (const probe of probes) {
    for (const cluster of ["blue", "green"] as const) {
      fx.load(perSide, 0, perSide * 100, { probe, cluster, node: `${cluster}-1`, greenWeight: 50 }, durations[cluster](probe));
    }
  }
  return fx;
}

const groups = (data: Readonly<Record<string, unknown>> | undefined): GroupResult[] => data!.groups as GroupResult[];

describe("latency-parity", () => {
  it("passes when new answers as fast as old in the same seconds, judging each route with enough answers and all routes pooled", async () => {
    const r = await latencyParity.check(bothServing(40, { blue: () => 5, green: () => 6 }).ctx());
    expect(r.status).to.equal("pass");
    expect(r.message).to.equal("new answered like old while both served: over all routes new p50 6 ms, p99 6 ms, old p50 5 ms, p99 5 ms (80 new / 80 old answers); "
      + "2 of 2 routes judged on their own; p50 within 2 x or +25 ms, p99 within 3 x or +100 ms (p99 from 100 answers a side, each side's slowest second left out)");
    expect(groups(r.data).map((g) => [g.group, g.over])).to.deep.equal([[ALL_ROUTES, []], ["keyauth-ok", []], ["public-get", []]]);
  });

  it("fails on a new version that adds 150 ms to every answer, naming the route, the quantile and both values", async () => {
    const r = await latencyParity.check(bothServing(120, { blue: () => 5, green: () => 155 }).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("the new cluster answered slower than the old one in the same seconds while both served: "
      + "all routes: p50 155 ms new vs 5 ms old (> 2 x and > +25 ms), p99 155 ms new vs 5 ms old (> 3 x and > +100 ms) (240 new / 240 old answers); "
      + "keyauth-ok: p50 155 ms new vs 5 ms old (> 2 x and > +25 ms), p99 155 ms new vs 5 ms old (> 3 x and > +100 ms) (120 new / 120 old answers); "
      + "public-get: p50 155 ms new vs 5 ms old (> 2 x and > +25 ms), p99 155 ms new vs 5 ms old (> 3 x and > +100 ms) (120 new / 120 old answers); "
      + "p50 by node: green-1 155 ms, blue-1 5 ms; during the shift steps at 50%");
  });

  it("fails on one slow route only, and never on a doubling of a few milliseconds", async () => {
    const slowAuth = await latencyParity.check(bothServing(40, { blue: () => 5, green: (p) => (p === "keyauth-ok" ? 80 : 5) }).ctx());
    expect(slowAuth.status).to.equal("fail");
    // Pooled, half the answers are slow: the median may stay 5 ms; the route is judged on its own.
    expect(slowAuth.message).to.match(/while both served: (all routes: [^;]*; )?keyauth-ok: p50 80 ms new vs 5 ms old \(> 2 x and > \+25 ms\) \(40 new \/ 40 old answers\); p50 by node: green-1 \d+ ms, blue-1 5 ms; during the shift steps at 50%$/);
    const doubled = await latencyParity.check(bothServing(40, { blue: () => 4, green: () => 12 }).ctx());
    expect(doubled.status, "3 x but only +8 ms").to.equal("pass");
  });

  it("judges p99 without each side's slowest second: one stall of a new node is not a slowdown, stalls that recur are", async () => {
    // 20 s at 10 answers a second a side; the new node stalls 400 ms in one second (10 answers of 200: 5%).
    const once = bothServing(200, { blue: () => 5, green: () => 6 }, ["public-get"]);
    once.load(10, 7_000, 8_000, { probe: "public-get", cluster: "green", node: "green-1", greenWeight: 50 }, 400);
    const r = await latencyParity.check(once.ctx());
    expect(r.status, r.message).to.equal("pass");
    const twice = bothServing(200, { blue: () => 5, green: () => 6 }, ["public-get"]);
    for (const at of [7_000, 15_000]) twice.load(10, at, at + 1_000, { probe: "public-get", cluster: "green", node: "green-1", greenWeight: 50 }, 400);
    const r2 = await latencyParity.check(twice.ctx());
    expect(r2.status).to.equal("fail");
    expect(r2.message).to.match(/^the new cluster answered slower than the old one in the same seconds while both served: all routes: p99 400 ms new vs 5 ms old/);
  });

  it("counts only seconds in which both clusters answered the route: a slow second on one side alone is not compared", async () => {
    const fx = bothServing(40, { blue: () => 5, green: () => 5 });
    // Green alone in seconds 10-14 (old had no answer of this route then), slow: not a like-for-like second.
    fx.load(50, 10_000, 15_000, { probe: "public-get", cluster: "green", node: "green-1", greenWeight: 50 }, 400);
    const r = await latencyParity.check(fx.ctx());
    expect(r.status).to.equal("pass");
    expect(groups(r.data).find((g) => g.group === "public-get")!.green!.count).to.equal(40);
  });

  it("ignores requests outside the steps where both clusters serve, and failed requests", async () => {
    const fx = bothServing(40, { blue: () => 5, green: () => 5 });
    fx.load(40, 0, 4_000, { probe: "public-get", cluster: "green", node: "green-1", greenWeight: 100 }, 900);
    fx.load(40, 0, 4_000, { probe: "public-get", cluster: "green", node: "green-1", greenWeight: 50, status: null, error: "timeout" }, 5_000);
    expect((await latencyParity.check(fx.ctx())).status).to.equal("pass");
  });

  it("is unknown with too few answers a side, and without the load balancer's weights", async () => {
    const few = await latencyParity.check(bothServing(10, { blue: () => 5, green: () => 500 }).ctx());
    expect([few.status, few.message]).to.deep.equal(["unknown", "too few answers to compare latency while both clusters served: 20 new / 20 old answers over all routes in seconds both answered (need 30 a side); hold the shift steps longer or raise the rate"]);
    const fx = new RunFixture();
    fx.load(100, 0, 10_000, { cluster: "green", node: "green-1" });
    const none = await latencyParity.check(fx.ctx());
    expect([none.status, none.message]).to.deep.equal(["unknown", "no request in requests.jsonl carries the load balancer's green weight: no step in which both clusters served can be told"]);
  });

  it("takes the scenario's limits from expectations.json, and knows every fault kind a chaos schedule can draw", async () => {
    const fx = bothServing(40, { blue: () => 5, green: () => 20 });
    fx.expectations = { ...fx.expectations, latencyParity: { ...DEFAULT_LATENCY_PARITY, p50: { ratio: 2, minDeltaMs: 10 } } };
    expect((await latencyParity.check(fx.ctx())).status).to.equal("fail");
    expect([...EVERY_FAULT].sort()).to.deep.equal([...NODE_FAULTS, ...TOXIC_FAULTS, "extra-node", "datastore-restart"].sort());
  });
});
