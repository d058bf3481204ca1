import { expect } from "chai";
import { sharedRateLimit } from "./shared-rate-limit.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

/** 12:00:00.250 UTC: run-clock ms 750 is the start of Kong's window 12:00:01. */
const ORIGIN = Date.UTC(2025, 0, 1, 12, 0, 0) + 250;
const LIMITED = { ...EXPECTATIONS, rateLimits: [{ probe: "limited", perSecond: 5 }], clockOriginEpochMs: ORIGIN };

/** Shift 1000..5000 with steps 0% (1000) and 50% (3000); 10 "limited" requests a second, 200 for the first `ok` per Kong second. */
function run(okPerSecond: (second: number) => { blue: number; green: number }): RunFixture {
  const fx = new RunFixture(LIMITED).at(1000).phase("Shift").step(0, 0).at(3000).step(1, 50).at(5000).phase("Drain");
  for (let s = 1; s <= 4; s++) {
    const want = okPerSecond(s);
    for (let i = 0; i < 10; i++) {
      const startMs = s * 1000 - 250 + i * 100;
      const green = i % 2 === 1 && startMs >= 3000;
      const ok = green ? want.green-- > 0 : want.blue-- > 0;
      fx.request({ startMs, probe: "limited", status: ok ? 200 : 429, cluster: green ? "green" : "blue", node: green ? `green-${1 + (i % 4 === 1 ? 0 : 1)}` : "blue-1" });
    }
  }
  return fx;
}

describe("shared-rate-limit", () => {
  it("passes when no Kong second has more than the limit of 200s across clusters (+1 allowed at an edge)", async () => {
    const r = await sharedRateLimit.check(run((s) => (s === 2 ? { blue: 6, green: 0 } : { blue: 5, green: 0 })).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "shared rate limits held in every second: probe limited at most 6 answers 200 per second (limit 5/s) over 4 seconds"]);
  });

  it("fails seconds where both clusters together got more 200s, naming counts, nodes, clusters and step", async () => {
    const fx = run((s) => (s >= 3 ? { blue: 5, green: 5 } : { blue: 5, green: 0 }));
    fx.request({ startMs: 100, probe: "echo", status: 200 });
    const r = await sharedRateLimit.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("shared rate limit exceeded: probe limited (limit 5/s, 6 allowed with a request straddling the edge) got more in 2 of 4 seconds: "
      + "9 answers 200 in second 12:00:03 UTC (t=2.8 s, during Shift step 0% and Shift step 50%) from blue-1 5, green-1 2, green-2 2; blue 5, green 4; "
      + "10 answers 200 in second 12:00:04 UTC (t=3.8 s, during Shift step 50%) from blue-1 5, green-1 3, green-2 2; blue 5, green 5");
    expect(r.evidence[0]).to.equal("probe limited, limit 5/s: 4 windows, at most 10 answers 200 and 10 requests in one second; 2 windows over the limit");
  });

  it("is unknown without limits, without the clock origin, without 200s, or when the load never exceeded the limit", async () => {
    const msg = async (fx: RunFixture): Promise<string> => { const r = await sharedRateLimit.check(fx.ctx()); expect(r.status).to.equal("unknown"); return r.message; };
    expect(await msg(new RunFixture())).to.equal("no rate limits in expectations.json: nothing to check");
    expect(await msg(new RunFixture({ ...LIMITED, clockOriginEpochMs: undefined }))).to.equal("expectations.json has no clockOriginEpochMs: requests cannot be placed in Kong's per-second windows");
    expect(await msg(run(() => ({ blue: 0, green: 0 })))).to.equal("no answer 200 for probe limited in requests.jsonl: the limit was never exercised");
    const slow = new RunFixture(LIMITED).load(4, 0, 2000, { probe: "limited" });
    expect(await msg(slow)).to.equal("the load never sent more than the limit (+1) in one second for probe limited (at most 2, limit 5/s), so a broken limit could not show");
  });
});
