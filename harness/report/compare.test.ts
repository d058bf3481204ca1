import { expect } from "chai";
import { assembleReport, type ReportInput } from "./report.ts";
import { DEFAULT_THRESHOLDS, compareReports } from "./compare.ts";
import type { PhaseRow } from "./tables.ts";

const q = (p99: number, count = 500) => ({ count, p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 2 });
const phase = (name: PhaseRow["phase"], blueP99: number, count = 500): PhaseRow => ({
  phase: name, startMs: 0, endMs: 1000, durationMs: 1000, outcome: "ok", requests: count, failures: {}, latencyMs: { blue: q(blueP99, count), green: null },
});
function report(o: { failed?: number; p99?: number; count?: number; lagP99?: number; durationMs?: number; status?: "pass" | "fail" } = {}) {
  const input: ReportInput = {
    startedAt: "2026-01-01T00:00:00.000Z", finishedAt: new Date(Date.parse("2026-01-01T00:00:00.000Z") + (o.durationMs ?? 100_000)).toISOString(),
    checks: [
      { id: "zero-failed-requests", status: (o.failed ?? 0) > 0 ? "fail" : "pass", message: `${o.failed ?? 0} failed`, evidence: [], data: { total: 1000, failed: o.failed ?? 0 } },
      { id: "traffic-split", status: o.status ?? "pass", message: "split", evidence: [] },
    ],
    phases: [phase("Shift", o.p99 ?? 20, o.count)],
    admin: { writes: 1, ok: 1, failed: 0, unknown: 0, boundMs: 3000, lagMs: { all: q(o.lagP99 ?? 1000), perPhase: {}, perCluster: {} }, history: [] },
  };
  return assembleReport(input, new Date(0));
}

describe("compareReports", () => {
  it("passes on two equal clean runs", () => {
    const c = compareReports(report(), report());
    expect(c.verdict).to.equal("pass");
    expect(c.regressions).to.deep.equal([]);
  });

  it("flags a new check failure, more failed requests and a verdict change", () => {
    const c = compareReports(report(), report({ failed: 12 }));
    expect(c.regressions.map((f) => f.metric)).to.deep.equal(["verdict", "check:zero-failed-requests", "failed-requests"]);
    expect(c.regressions[2]!.message).to.equal("failed requests 0 requests -> 12 requests (regression)");
  });

  it("does not flag a check that already failed in the baseline", () => {
    const c = compareReports(report({ status: "fail" }), report({ status: "fail" }));
    expect(c.verdict).to.equal("pass");
    expect(c.findings.find((f) => f.metric === "check:traffic-split")!.message).to.equal("traffic-split was already fail in the baseline");
  });

  it("flags p99 only over both the ratio and the absolute delta, with enough samples", () => {
    expect(compareReports(report({ p99: 10 }), report({ p99: 245 })).verdict, "x24 but only +235 ms").to.equal("pass");
    expect(compareReports(report({ p99: 400 }), report({ p99: 790 })).verdict, "+390 ms but under x2").to.equal("pass");
    expect(compareReports(report({ p99: 20, count: 400 }), report({ p99: 900, count: 400 })).verdict, "too few samples").to.equal("pass");
    const c = compareReports(report({ p99: 20 }), report({ p99: 300 }));
    expect(c.regressions.map((f) => f.message)).to.deep.equal(["Shift old cluster p99 20 ms -> 300 ms (over x2 and +250 ms)"]);
  });

  it("flags propagation lag and run time regressions; thresholds are overridable", () => {
    expect(compareReports(report(), report({ lagP99: 2600 })).regressions.map((f) => f.metric)).to.deep.equal(["lag-p99"]);
    expect(compareReports(report(), report({ durationMs: 200_000 })).regressions.map((f) => f.metric)).to.deep.equal(["run-time"]);
    expect(compareReports(report(), report({ durationMs: 200_000 }), { ...DEFAULT_THRESHOLDS, runTimeRatio: 3 }).verdict).to.equal("pass");
  });
});
