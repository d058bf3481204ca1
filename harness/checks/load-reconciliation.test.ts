import { expect } from "chai";
import { loadReconciliation } from "./load-reconciliation.ts";
import { F, type LoadSummaryValue } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const summary = (requests: number, statusCounts: Record<string, number>, errors: Record<string, number> = {}, extra: Partial<LoadSummaryValue> = {}): LoadSummaryValue =>
  ({ requests, statusCounts, errors, ...extra });

/** Run clock 0 is this epoch millisecond. */
const ORIGIN = Date.UTC(2025, 0, 1, 12, 0, 0);

describe("load-reconciliation", () => {
  it("passes when counts agree, explaining requests that never reached the LB by vegeta's connection errors", async () => {
    const fx = new RunFixture().load(97, 0, 1000);
    fx.event("load", F.loadSummary, summary(100, { 200: 97, 0: 3 }, { "dial tcp 127.0.0.1:8000: connect: connection refused": 2, "Get \"http://127.0.0.1:8000/echo\": context deadline exceeded": 1 }));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "vegeta sent 100 requests and the LB counted 97; the 3 that never reached it are explained by vegeta's connection errors "
      + "(dial tcp 127.0.0.1:8000: connect: connection refused ×2; Get \"http://127.0.0.1:8000/echo\": context deadline exceeded ×1); statuses agree, every answer reached vegeta"]);
  });

  it("fails on a status the LB never sent and on unexplained missing requests", async () => {
    const fx = new RunFixture().load(95, 0, 1000).load(2, 0, 1000, { status: null, error: "connect", cluster: "blue", clientStatus: 502 });
    fx.event("load", F.loadSummary, summary(100, { 200: 95, 502: 2, 500: 3 }, { "500 Internal Server Error": 3 }));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "counts do not reconcile: vegeta got 3 × status 500 that the LB never answered; 3 requests never reached the LB but vegeta reports only 0 connection errors"]);
  });

  it("derives the client status from the error kind when the record has none, and is unknown without vegeta's counts", async () => {
    const fx = new RunFixture().load(1, 0, 10, { status: null, error: "timeout" });
    expect((await loadReconciliation.check(fx.ctx())).status).to.equal("unknown");
    fx.event("load", F.loadSummary, summary(1, { 504: 1 }, { "504 Gateway Timeout": 1 }));
    expect((await loadReconciliation.check(fx.ctx())).message).to.equal("vegeta sent 1 requests and the LB counted 1; statuses agree, every answer reached vegeta");
  });

  it("leaves out the requests the LB closed silently (unlogged: the client sent them again) and says so", async () => {
    const fx = new RunFixture().load(100, 0, 1000)
      .load(3, 0, 1000, { status: null, error: "reset", cluster: "green", node: "green-1", clientStatus: null, probe: "", unlogged: "closed silently" });
    fx.event("load", F.loadSummary, summary(100, { 200: 100 }));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "vegeta sent 100 requests and the LB counted 100; statuses agree, every answer reached vegeta"]);
    expect(r.evidence).to.include("3 requests the LB closed silently, without an answer or a log line (a node closed the connection before answering; the client sent them again): not reconciled here, judged by zero-failed-requests");
  });

  it("is unknown on a vegeta summary of 0 requests, never a pass", async () => {
    const fx = new RunFixture();
    fx.event("load", F.loadSummary, summary(0, {}));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "vegeta's summary counts 0 requests: the load sent nothing, so there is nothing to reconcile (the LB counted 0)"]);
  });

  it("fails an answer the LB sent that vegeta never received (it gave up at its timeout), naming the status", async () => {
    const fx = new RunFixture().load(97, 0, 1000);
    fx.request({ startMs: 500, endMs: 15_600, status: 200, clientStatus: 200 }); // written after the client had left
    fx.event("load", F.loadSummary, summary(98, { 200: 97, 0: 1 }, { "Get \"http://127.0.0.1:8000/echo\": context deadline exceeded": 1 }));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "counts do not reconcile: the LB answered 1 load request that vegeta never received (200 ×1)"]);
    expect(r.data).to.include({ answeredNotReceived: 1 });
  });

  it("fails the answers a load generator that died never reported, naming counts, phase, step and node", async () => {
    const fx = new RunFixture({ ...EXPECTATIONS, clockOriginEpochMs: ORIGIN });
    fx.at(0).phase("Shift").step(0, 0).at(2000).step(1, 50).at(4000).phase("Drain").at(5000).endPhase();
    fx.load(100, 0, 3000);
    // vegeta's last answer came at 2975 ms; it was killed later: the LB still answered what it had sent until then.
    fx.load(30, 3100, 3700, { cluster: "green", node: "green-1" }).load(20, 3100, 3700, { status: 429, probe: "limited" });
    fx.event("load", F.loadSummary, summary(100, { 200: 100 }, {}, { lastAnswerEpochMs: ORIGIN + 2975, failure: "killed by SIGKILL" }));
    const r = await loadReconciliation.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("counts do not reconcile: the LB answered 50 load requests that vegeta never received (200 ×30, 429 ×20); vegeta never reported 50 of the requests the LB saw; "
      + "50 of the LB's answers (200 ×30, 429 ×20) came after vegeta's last answer at 2975 ms, from 3105 ms: 30 during Shift step 50% on green-1, 20 during Shift step 50% on blue-1; "
      + "vegeta killed by SIGKILL before it was stopped");
    expect(r.evidence).to.include("30 LB answers after vegeta's last answer during Shift step 50% on green-1");
  });

  it("fails requests the LB saw that vegeta never reported at all, even when no status is short", async () => {
    const fx = new RunFixture().load(10, 0, 1000).load(2, 1000, 1010, { status: null, error: "timeout", clientStatus: null });
    fx.event("load", F.loadSummary, summary(10, { 200: 10 }, {}, { failure: "killed by SIGKILL" }));
    const r = await loadReconciliation.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "counts do not reconcile: the LB counted 2 more load requests than vegeta reported (requests vegeta never reported at all); vegeta killed by SIGKILL before it was stopped"]);
  });
});
