import { expect } from "chai";
import type { RequestLine } from "../checks/records.ts";
import { ErrorBudget, liveFailure } from "./error-budget.ts";
import { LiveCounters } from "./live-stats.ts";

const base: RequestLine = { seq: 0, startMs: 0, endMs: 1, probe: "get-echo", method: "GET", path: "/echo", cluster: "blue", node: "blue-1", status: 200, attempts: 1 };
const baseline = { "get-echo": 200, "no-key": [401, 403] };

describe("traffic: error budget and live counters", function () {
  it("classifies like the checks: transport errors, statuses off the baseline, 5xx without a baseline", function () {
    expect(liveFailure(base, baseline)).to.equal(undefined);
    expect(liveFailure({ ...base, status: 404 }, baseline)).to.equal("status");
    expect(liveFailure({ ...base, probe: "no-key", status: 403 }, baseline)).to.equal(undefined);
    expect(liveFailure({ ...base, status: null, error: "connect" }, baseline)).to.equal("connect");
    expect(liveFailure({ ...base, node: null, status: null, error: "no-backend" })).to.equal("no-backend");
    expect(liveFailure({ ...base, probe: "unknown", status: 404 }, baseline)).to.equal(undefined);
    expect(liveFailure({ ...base, probe: "unknown", status: 502 }, baseline)).to.equal("status");
    expect(liveFailure({ ...base, status: 500 })).to.equal("status");
  });

  it("breaches exactly once, on the failure past maxFailures", function () {
    const budget = new ErrorBudget({ maxFailures: 2 });
    expect([budget.observe(), budget.observe(), budget.observe(), budget.observe()]).to.deep.equal([false, false, true, false]);
    expect(budget.failed).to.equal(4);
    expect(new ErrorBudget({ maxFailures: 0 }).observe()).to.equal(true);
    expect(() => new ErrorBudget({ maxFailures: -1 })).to.throw(RangeError, "maxFailures must be an integer >= 0, got -1");
  });

  it("counts per cluster, node, status and failure kind", function () {
    const c = new LiveCounters();
    c.add(base, undefined);
    c.add({ ...base, cluster: "green", node: "green-1", status: 503 }, "status");
    c.add({ ...base, cluster: "green", node: null, status: null, error: "no-backend" }, "no-backend");
    const s = c.snapshot();
    expect(s).to.deep.include({ requests: 3, failures: 2, byStatus: { "200": 1, "503": 1, none: 1 }, byFailure: { status: 1, "no-backend": 1 } });
    expect(s.byCluster).to.deep.equal({ blue: { requests: 1, failures: 0 }, green: { requests: 2, failures: 2 }, none: { requests: 0, failures: 0 } });
    expect(s.byNode).to.deep.equal({ "blue-1": { requests: 1, failures: 0 }, "green-1": { requests: 1, failures: 1 } });
    expect(s.firstFailures.map((r) => r.status)).to.deep.equal([503, null]);
  });
});
