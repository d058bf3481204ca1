import { expect } from "chai";
import { invalidWritesRefused } from "./invalid-writes-refused.ts";
import { F, WRITE_NOT_SENT, type AdminWriteValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

const SCHEMA_400 = "status 400: {\"code\":2,\"name\":\"schema violation\"}";

/** An invalid consumer create sent via `via`, completed 5 ms later as `type` (with `error` for fail/info). */
function invalid(fx: RunFixture, n: number, via: string, type: "ok" | "fail" | "info", error?: string): void {
  const value: AdminWriteValue = { writeId: `blue-${n}:create:consumers/invalid-${n}`, cluster: "blue", entity: `consumers/invalid-${n}`, action: "create", expectOn: [], expectRejected: 400 };
  const op = fx.history.invoke("admin-writer", F.adminWrite, value, { node: via });
  fx.at(fx.clock.now() + 5);
  fx.history.complete(op, type, { value, ...(error ? { error } : {}) });
}

/** Shift with steps 0% (from 1000) and 25% (from 2000). */
function shift(): RunFixture {
  return new RunFixture().at(1000).phase("Shift").step(0, 0).at(2000).step(1, 25);
}

describe("invalid-writes-refused", () => {
  it("passes when every invalid write was refused with the expected status; valid writes are ignored", async () => {
    const fx = shift();
    fx.write("blue-1", "ok", 10);
    invalid(fx, 2, "blue-1", "fail", SCHEMA_400);
    invalid(fx, 3, "blue-2", "fail", SCHEMA_400);
    const r = await invalidWritesRefused.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 2 invalid Admin writes were refused with the status Kong must answer (400)"]);
  });

  it("does not judge an invalid write that never reached Kong (its node was down: connection refused)", async () => {
    const fx = shift();
    invalid(fx, 2, "blue-1", "fail", SCHEMA_400);
    invalid(fx, 3, "blue-2", "fail", `${WRITE_NOT_SENT}: connect ECONNREFUSED 127.0.0.1:32983`);
    const r = await invalidWritesRefused.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 1 invalid Admin writes were refused with the status Kong must answer (400)"]);
  });

  it("fails an accepted invalid write, naming the write, the node and the step", async () => {
    const fx = shift();
    invalid(fx, 4, "blue-1", "fail", SCHEMA_400);
    fx.at(2500);
    invalid(fx, 5, "blue-2", "ok");
    const r = await invalidWritesRefused.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("1 of 2 invalid Admin writes were not refused as Kong must: write blue-5:create:consumers/invalid-5 was accepted where Kong must refuse it with 400 (create consumers/invalid-5 via blue-2 during Shift step 25%)");
    expect(r.evidence[0]).to.equal("2 invalid writes: 1 refused as expected, 1 accepted, 0 answered another status, 0 with unknown outcome");
  });

  it("fails an invalid write answered with another status, quoting the answer", async () => {
    const fx = shift();
    invalid(fx, 6, "blue-1", "fail", "status 500: {\"message\":\"An unexpected error occurred\"}");
    const r = await invalidWritesRefused.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 of 1 invalid Admin writes were not refused as Kong must: write blue-6:create:consumers/invalid-6 was answered \"status 500: {\"message\":\"An unexpected error occurred\"}\" where Kong must refuse it with 400 (create consumers/invalid-6 via blue-1 during Shift step 25%)"]);
  });

  it("is unknown without invalid writes, and when an invalid write's outcome is unknown", async () => {
    const none = await invalidWritesRefused.check(shift().ctx());
    expect([none.status, none.message]).to.deep.equal(["unknown", "no invalid Admin writes (expectRejected) in history.jsonl: nothing to check"]);
    const fx = shift();
    invalid(fx, 7, "blue-1", "fail", SCHEMA_400);
    invalid(fx, 8, "blue-1", "info", "timeout");
    const r = await invalidWritesRefused.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "1 of 2 invalid Admin writes have an unknown outcome, so they may have been accepted; the other 1 were refused"]);
  });

  it("skips writes the harness's own guard refused (never sent)", async () => {
    const fx = shift();
    fx.write("green-1", "refused", 5, { expectRejected: 400 });
    invalid(fx, 9, "blue-1", "fail", SCHEMA_400);
    expect((await invalidWritesRefused.check(fx.ctx())).message).to.equal("all 1 invalid Admin writes were refused with the status Kong must answer (400)");
  });
});
