import { expect } from "chai";
import { requestsFrom, type RequestLine } from "../../checks/index.ts";
import { linePath } from "./svg.ts";
import { plannedWeights } from "./charts.ts";
import { timelineSeries, sumSeries } from "./timeline-data.ts";

const rec = (startMs: number, cluster: RequestLine["cluster"], status: number | null, latency = 10, extra: Partial<RequestLine> = {}): RequestLine =>
  ({ seq: 0, startMs, endMs: startMs + latency, probe: "p", method: "GET", path: "/", cluster, node: cluster === "none" ? null : `${cluster}-1`, status, attempts: 1, ...extra });

describe("timelineSeries", () => {
  it("buckets the load's requests per second, per cluster, with failures and latency quantiles", async () => {
    const records = [
      rec(100, "blue", 200, 5), rec(900, "blue", 500, 50), rec(1500, "green", 200, 7), rec(1600, "none", null),
      rec(1700, "blue", 200, 1, { source: "verifier" }), rec(3200, "green", 200, 9),
    ];
    const s = await timelineSeries(requestsFrom(records)(), { p: 200 }, 5);
    expect(s.seconds).to.equal(5);
    expect(s.requests.blue).to.deep.equal([2, 0, 0, 0, 0]);
    expect(s.requests.green).to.deep.equal([0, 1, 0, 1, 0]);
    expect(s.failures.blue).to.deep.equal([1, 0, 0, 0, 0]);
    expect(s.failures.none).to.deep.equal([0, 1, 0, 0, 0]);
    expect(s.p99.blue).to.deep.equal([50, null, null, null, null]);
    expect(s.p50.blue).to.deep.equal([5, null, null, null, null]);
    expect(s.achievedGreenPct).to.deep.equal([0, 100, null, 100, null]);
    expect(s.totals).to.deep.equal({ requests: 5, failures: 2 });
    expect(sumSeries(s.requests)).to.deep.equal([2, 2, 0, 1, 0]);
  });
});

describe("chart helpers", () => {
  it("linePath has one point per non-null value and breaks at nulls", () => {
    const p = linePath([1, 2, null, 4], { x: (s) => s * 10, y: (v) => 100 - v });
    expect(p).to.deep.equal({ d: "M5 99 L15 98 M35 96", points: 3 });
  });

  it("plannedWeights follow the steps, 0 before the first", () => {
    const step = (index: number, plannedWeight: number, startMs: number) =>
      ({ index, plannedWeight, achievedWeight: null, startMs, appliedMs: null, endMs: null, requests: 0, failures: {}, latencyMs: { blue: null, green: null } });
    expect(plannedWeights([step(0, 10, 1000), step(1, 50, 2600)], 4)).to.deep.equal([0, 10, 10, 50]);
  });
});
