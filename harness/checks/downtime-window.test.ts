import { expect } from "chai";
import { downtimeWindow } from "./downtime-window.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

/** MigrationsUp 0-2000, Cutover 2000-6000, AfterFinish 6000-8000; load all along. */
function inPlaceRun(budgetMs: number | null = 5_000): RunFixture {
  const fx = new RunFixture({ ...EXPECTATIONS, ...(budgetMs === null ? {} : { downtimeBudgetMs: budgetMs }) });
  fx.at(0).phase("MigrationsUp").at(2000).phase("Cutover").at(6000).phase("AfterFinish").at(8000).endPhase();
  return fx.load(80, 0, 8000);
}

describe("downtime-window", () => {
  it("passes a window inside the cut-over that fits the budget, and measures it", async () => {
    const fx = inPlaceRun().load(30, 2500, 4000, { cluster: "none", node: null, status: null, error: "no-backend" }).load(2, 4000, 4100, { status: 401, node: "green-1", cluster: "green" });
    const r = await downtimeWindow.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "downtime window 1555 ms (2500 ms to 4055 ms): 32 failed (no-backend 30, status 401 2), 16 served inside it, within the budget of 5000 ms and inside Cutover"]);
    expect(r.data).to.include({ windowMs: 1555, failed: 32, startMs: 2500, endMs: 4055, outside: 0 });
  });

  it("fails when the window exceeds the budget", async () => {
    const fx = inPlaceRun(1_000).load(30, 2500, 4000, { cluster: "none", node: null, status: null, error: "no-backend" });
    const r = await downtimeWindow.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("the downtime window of 1455 ms exceeds the budget of 1000 ms (30 failed: no-backend 30)");
  });

  it("fails for a failed request outside the cut-over phase, even when the window fits", async () => {
    const fx = inPlaceRun(60_000).load(5, 2500, 3000, { cluster: "none", node: null, status: null, error: "no-backend" });
    fx.request({ startMs: 7000, status: 500, cluster: "green", node: "green-2" });
    const r = await downtimeWindow.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 failed request falls outside the Cutover phase: 1 status 500 on green-2 during AfterFinish"]);
    expect(r.evidence[1]).to.equal("first 1 failures outside Cutover in full (see requests.jsonl):");
  });

  it("is unknown when the Cutover phase never ran, never ended or saw no load request, never passes", async () => {
    const noCutover = new RunFixture({ ...EXPECTATIONS, downtimeBudgetMs: 5_000 }).at(0).phase("MigrationsUp").at(2000).endPhase().load(20, 0, 2000);
    const r = await downtimeWindow.check(noCutover.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "Cutover never ran: the load never crossed the phase where downtime happens, so no window could be measured"]);
    const open = new RunFixture({ ...EXPECTATIONS, downtimeBudgetMs: 5_000 }).at(0).phase("MigrationsUp").at(2000).phase("Cutover").load(40, 0, 4000);
    expect((await downtimeWindow.check(open.ctx())).message).to.equal("Cutover never ended (the run stopped inside it, from 2000 ms): the downtime window may have gone on after the last request");
    const unloaded = new RunFixture({ ...EXPECTATIONS, downtimeBudgetMs: 5_000 }).at(0).phase("MigrationsUp").at(2000).phase("Cutover").at(6000).phase("AfterFinish").at(8000).endPhase();
    unloaded.load(20, 0, 1900).load(20, 6100, 8000);
    const u = await downtimeWindow.check(unloaded.ctx());
    expect([u.status, u.message]).to.deep.equal(["unknown", "no load request started during Cutover (2000 ms-6000 ms): the load did not cover the phase where downtime happens, so its window was never measured"]);
  });

  it("fails failed requests in a run whose Cutover never ran: each is outside the accepted phase", async () => {
    const fx = new RunFixture({ ...EXPECTATIONS, downtimeBudgetMs: 5_000 }).at(0).phase("MigrationsUp").at(2000).endPhase().load(20, 0, 2000);
    fx.load(3, 1000, 1300, { cluster: "none", node: null, status: null, error: "no-backend" });
    const r = await downtimeWindow.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "3 failed requests fall outside the Cutover phase: 3 no-backend during MigrationsUp"]);
    expect(r.evidence[0]).to.match(/; Cutover never ran; 23 load requests in all, 0 of them started during Cutover$/);
  });

  it("passes with no failure at all (no downtime), and is unknown without budget or without load", async () => {
    expect((await downtimeWindow.check(inPlaceRun().ctx())).message).to.equal("no failed request (no downtime), within the budget of 5000 ms and inside Cutover");
    expect((await downtimeWindow.check(inPlaceRun(null).ctx())).status).to.equal("unknown");
    const empty = new RunFixture({ ...EXPECTATIONS, downtimeBudgetMs: 1 });
    expect((await downtimeWindow.check(empty.ctx())).message).to.equal("no load requests in requests.jsonl: the load did not run, so no window can be measured");
  });
});
