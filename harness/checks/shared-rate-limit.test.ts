import { expect } from "chai";
import { F, type RequestLine } from "./records.ts";
import { sharedRateLimit } from "./shared-rate-limit.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

/** 12:00:00.250 UTC: run-clock ms 750 is the start of Kong's window 12:00:01. */
const ORIGIN = Date.UTC(2025, 0, 1, 12, 0, 0) + 250;
const LIMITED = { ...EXPECTATIONS, rateLimits: [{ probe: "limited", perSecond: 5 }], clockOriginEpochMs: ORIGIN };

/** Shift 1000..5000 with steps 0% (from 1000) and 50% (from 3000), then Drain. */
const shift = (): RunFixture => new RunFixture(LIMITED).at(1000).phase("Shift").step(0, 0).at(3000).step(1, 50).at(5000).phase("Drain");

/** Ten "limited" requests in Kong second `s` (run ms s*1000-250 ...), 100 ms apart, 5 ms each unless `r` says otherwise. */
function second(fx: RunFixture, s: number, r: (i: number) => Partial<RequestLine>): RunFixture {
  for (let i = 0; i < 10; i++) fx.request({ startMs: s * 1000 - 250 + i * 100, probe: "limited", status: 429, ...r(i) });
  return fx;
}
const okFirst = (k: number, extra: (i: number) => Partial<RequestLine> = () => ({})) => (i: number): Partial<RequestLine> => (i < k ? { status: 200, ...extra(i) } : extra(i));

describe("shared-rate-limit", () => {
  /** Odd requests go to green-1: a second both clusters answer. */
  const both = (i: number): Partial<RequestLine> => (i % 2 === 1 ? { cluster: "green", node: "green-1" } : {});

  it("passes at the limit, with one late increment, and when concurrent requests overshoot (Kong counts after the response)", async () => {
    const fx = shift();
    second(fx, 1, okFirst(5, both));
    second(fx, 2, okFirst(6, both));
    // Second 3: 8 answers 200, but the last three started while earlier ones were still in flight.
    second(fx, 3, (i) => ({ ...both(i), ...(i < 8 ? { status: 200, startMs: 2750 + Math.min(i, 4) * 100 + i, endMs: 2750 + Math.min(i, 4) * 100 + i + (i >= 4 ? 400 : 5) } : {}) }));
    const r = await sharedRateLimit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "shared rate limits held in every judged second: probe limited at most 8 answers 200 per second (limit 5/s; overshoot allowed 1 per second, no old-cluster baseline) over 3 seconds, 3 judged; 3 seconds answered by both clusters at once, 3 of them up to the limit (429)"]);
  });

  it("with several limits (a user's configuration) judges those the load exercised and names the others; unknown when none was exercised", async () => {
    const two = { ...LIMITED, rateLimits: [{ probe: "limited", perSecond: 5 }, { probe: "checkout", perSecond: 2 }] };
    const fx = new RunFixture(two).at(1000).phase("Shift").step(0, 0).at(3000).step(1, 50).at(5000).phase("Drain");
    second(fx, 1, okFirst(5, both));
    second(fx, 2, okFirst(5, both));
    fx.request({ startMs: 2000, probe: "checkout", status: 200 });
    const r = await sharedRateLimit.check(fx.ctx());
    expect(r.status).to.equal("pass");
    expect(r.message).to.match(/^shared rate limits held in every judged second: probe limited at most 5 answers 200 per second .*; not judged \(this run's load did not exercise them across both clusters\): probe checkout \(at most 1 requests in one second, limit 2\/s\)$/);
    const none = new RunFixture(two).at(1000).phase("Shift").step(0, 0).at(5000).phase("Drain");
    none.request({ startMs: 2000, probe: "checkout", status: 200 });
    const u = await sharedRateLimit.check(none.ctx());
    expect(u.status).to.equal("unknown");
  });

  it("is unknown when no second was answered by both clusters, however well each cluster held the limit alone", async () => {
    const fx = shift();
    second(fx, 1, okFirst(5));
    second(fx, 4, okFirst(5, () => ({ cluster: "green", node: "green-1" })));
    const r = await sharedRateLimit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no second in which both clusters answered probe limited (2 seconds, each answered by one cluster alone: that version's own behaviour, not judged), so counters not shared across versions could not show"]);
    expect(r.evidence).to.include("probe limited: judged: the 0 seconds answered by both clusters; seconds answered by one cluster alone are that version's own behaviour and not judged (0 of them overshot beyond the allowance)");
  });

  it("fails seconds where a 200 came after the limit was used up, naming counts, nodes, clusters and step", async () => {
    const fx = shift();
    second(fx, 1, okFirst(5));
    // Blue and green count apart: each cluster lets 5 through.
    const split = (i: number): Partial<RequestLine> => (i % 2 === 1 ? { cluster: "green", node: i % 4 === 1 ? "green-1" : "green-2" } : {});
    second(fx, 3, okFirst(10, split));
    second(fx, 4, okFirst(8, split));
    fx.request({ startMs: 100, probe: "echo", status: 200 });
    const r = await sharedRateLimit.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("shared rate limit not shared: probe limited (limit 5/s) was answered 200 after the limit was used up in 2 of 2 seconds: "
      + "second 12:00:03 UTC (t=2.8 s, during Shift step 0% and Shift step 50%): 10 answers 200 from blue-1 5, green-1 3, green-2 2; blue 5, green 5; the 7th (blue-1, 600 ms in) came after 6 answers 200 of that second had completed; "
      + "second 12:00:04 UTC (t=3.8 s, during Shift step 50%): 8 answers 200 from blue-1 4, green-1 2, green-2 2; blue 4, green 4; the 7th (blue-1, 600 ms in) came after 6 answers 200 of that second had completed "
      + "(overshoot beyond 1 per second (no old-cluster baseline))");
    expect(r.evidence[0]).to.equal("probe limited, limit 5/s: 3 seconds, at most 10 answers 200 and 10 requests in one second, 0 answers 200 across a second's edge left out; 2 seconds over the limit; 2 seconds answered by both clusters at once, 1 of them up to the limit (429)");
  });

  it("leaves out a 200 whose request spans two seconds (Kong may have counted it in either)", async () => {
    const fx = second(shift(), 1, okFirst(5, both));
    fx.request({ startMs: 1700, endMs: 1800, probe: "limited", status: 200 });
    const r = await sharedRateLimit.check(fx.ctx());
    expect(r.status).to.equal("pass");
    expect(r.evidence[0]).to.equal("probe limited, limit 5/s: 1 seconds, at most 5 answers 200 and 11 requests in one second, 1 answers 200 across a second's edge left out; 0 seconds over the limit; 1 seconds answered by both clusters at once, 1 of them up to the limit (429)");
  });

  it("is unknown without limits, without the clock origin, without 200s, or when the load never exceeded the limit", async () => {
    const msg = async (fx: RunFixture): Promise<string> => { const r = await sharedRateLimit.check(fx.ctx()); expect(r.status).to.equal("unknown"); return r.message; };
    expect(await msg(new RunFixture())).to.equal("no rate limits in expectations.json: nothing to check");
    expect(await msg(new RunFixture({ ...LIMITED, clockOriginEpochMs: undefined }))).to.equal("expectations.json has no clockOriginEpochMs: requests cannot be placed in Kong's per-second windows");
    expect(await msg(second(shift(), 1, () => ({})))).to.equal("no answer 200 for probe limited in requests.jsonl: the limit was never exercised");
    const slow = new RunFixture(LIMITED).load(4, 0, 2000, { probe: "limited" });
    expect(await msg(slow)).to.equal("the load never sent more than the limit (+1) in one second for probe limited (at most 2, limit 5/s), so a broken limit could not show");
  });

  // Issue 7: the same count through both clusters at once as through one.

  it("passes when both clusters answered in the same seconds and the limit held there, and says so", async () => {
    const fx = shift();
    second(fx, 1, okFirst(5));
    second(fx, 4, okFirst(5, both));
    const r = await sharedRateLimit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "shared rate limits held in every judged second: probe limited at most 5 answers 200 per second (limit 5/s; overshoot allowed 1 per second, no old-cluster baseline) over 2 seconds, 1 judged; 1 seconds answered by both clusters at once, 1 of them up to the limit (429)"]);
  });

  it("is unknown when both clusters answered in the same seconds but never up to the limit (a split counter could not show)", async () => {
    const fx = shift();
    second(fx, 1, okFirst(6));
    for (let i = 0; i < 4; i++) fx.request({ startMs: 3750 + i * 100, probe: "limited", status: 200, ...both(i) });
    const r = await sharedRateLimit.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "both clusters answered probe limited in 1 seconds, but never up to the limit (no 429 in those seconds), so counters not shared across versions could not show"]);
  });

  // Issue 11: two old nodes alone overshoot in some seconds (Kong's `cluster` policy increments after
  // deciding, in a timer). That race, measured before `up`, is what a second served by both may show.

  /** `ok` answers 200 one after the other (each done before the next starts), alternating `nodes`, then 429s, in Kong second `s`. */
  const sequential = (fx: RunFixture, s: number, ok: number, nodes: readonly string[]): RunFixture =>
    second(fx, s, (i) => ({ node: nodes[i % nodes.length]!, cluster: nodes[i % nodes.length]!.startsWith("green") ? "green" : "blue", ...(i < ok ? { status: 200 } : {}) }));
  const OLD = ["blue-1", "blue-2"];
  const BOTH = ["blue-1", "green-1"];

  /** Baseline seconds 1 and 2 on both old nodes (200s: `baseline`), `up` at 3000, then a Shift whose seconds 5 and 6 both clusters serve. */
  function withBaseline(baseline: readonly [number, number] | null, shift: readonly [number, number]): RunFixture {
    const fx = new RunFixture(LIMITED).at(0).phase("Baseline");
    if (baseline) { sequential(fx, 1, baseline[0], OLD); sequential(fx, 2, baseline[1], OLD); }
    fx.at(3000).phase("MigrationsUp");
    const up = fx.history.invoke("migrations", F.migrationsUp, { image: "kong-standin:2.6.0", args: [] });
    fx.at(3500).history.ok(up, { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
    fx.at(4000).phase("Shift").step(0, 50);
    sequential(fx, 5, shift[0], BOTH);
    sequential(fx, 6, shift[1], BOTH);
    return fx;
  }

  it("passes seconds served by both clusters that overshoot no more than the old cluster did before `up`, and states the baseline", async () => {
    // Before `up`: 6 then 7 answers 200, each after the previous one completed: overshoot 1, then 2.
    // During `up` the old nodes alone let 8 through: their own behaviour, not judged.
    const r = await sharedRateLimit.check(sequential(withBaseline([6, 7], [7, 6]), 3, 8, OLD).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "shared rate limits held in every judged second: probe limited at most 8 answers 200 per second (limit 5/s; overshoot allowed 2 per second, the old cluster's own before `up`) over 5 seconds, 2 judged; 2 seconds answered by both clusters at once, 2 of them up to the limit (429)"]);
    expect(r.evidence).to.include("probe limited: old-cluster baseline before `up`: 2 seconds answered by blue-1 and blue-2 together with more than 5 requests, overshoot at most 2 per second there (Kong's `cluster` policy reads the counter, then increments it asynchronously, so nodes race); overshoot allowed per judged second: 2");
    expect(r.evidence).to.include("probe limited: judged: the 2 seconds answered by both clusters; seconds answered by one cluster alone are that version's own behaviour and not judged (1 of them overshot beyond the allowance)");
  });

  it("fails a second served by both clusters that overshoots beyond the old cluster's own overshoot", async () => {
    const r = await sharedRateLimit.check(withBaseline([6, 7], [8, 6]).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("shared rate limit not shared: probe limited (limit 5/s) was answered 200 after the limit was used up in 1 of 2 seconds: "
      + "second 12:00:05 UTC (t=4.8 s, during Shift step 50%): 8 answers 200 from blue-1 4, green-1 4; blue 4, green 4; the 8th (green-1, 700 ms in) came after 7 answers 200 of that second had completed "
      + "(overshoot beyond 2 per second, the old cluster's own before `up`)");
  });

  it("without a baseline allows no more than one late increment: the same overshoot fails", async () => {
    const r = await sharedRateLimit.check(withBaseline(null, [7, 6]).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.match(/^shared rate limit not shared: probe limited \(limit 5\/s\) was answered 200 after the limit was used up in 1 of 2 seconds: second 12:00:05 UTC .* \(overshoot beyond 1 per second \(no old-cluster baseline\)\)$/);
    expect(r.evidence).to.include("probe limited: no old-cluster baseline: no complete second before `up` in which blue-1 and blue-2 together answered more than the limit (5); overshoot allowed per second: 1 (one late increment at the window's edge), nothing more");
  });

  it("measures no baseline from one old node when the cluster has two, nor in a run without `up`", async () => {
    const oneNode = withBaseline(null, [5, 5]);
    sequential(oneNode, 1, 7, ["blue-1"]);
    const r = await sharedRateLimit.check(oneNode.ctx());
    expect(r.evidence.find((l) => l.includes("baseline"))).to.match(/^probe limited: no old-cluster baseline: no complete second before `up` in which blue-1 and blue-2 together/);
    const noUp = await sharedRateLimit.check(second(shift(), 1, okFirst(5)).ctx());
    expect(noUp.evidence).to.include("probe limited: no old-cluster baseline: the run has no `kong migrations up`, so no old version was measured before it; overshoot allowed per second: 1 (one late increment at the window's edge), nothing more");
  });
});
