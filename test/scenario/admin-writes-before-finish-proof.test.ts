// no-new-admin-writes-before-finish judges what the new nodes logged, not the harness's own client:
// here an operator's automation writes straight to a new node's Admin API during the shift,
// bypassing the harness (whose client refuses such writes before sending). One short Postgres
// blue/green run, 1 old + 1 new node; the clean runs (clean-runs.test.ts) show the check passing.
import { expect } from "chai";
import { request } from "undici";
import { UpgradeScenario } from "../../harness/scenario/index.ts";
import { describeRun, options, runSteps } from "./in-process.ts";

/** During the shift, once the new node has traffic, something outside the harness creates a consumer through it. */
class OperatorWritesToNewNode extends UpgradeScenario {
  sent?: { status: number; atEpochMs: number };

  override async shift(): Promise<void> {
    const node = this.need(this.green, "green cluster").nodes[0]!;
    const operator = (async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 1_500));
      const res = await request(`${node.getAdminUrl()}/consumers`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "operator-automation" }),
      });
      await res.body.dump();
      this.sent = { status: res.statusCode, atEpochMs: Date.now() };
    })();
    await Promise.all([super.shift(), operator]);
  }
}

describe("scenario: an Admin write reaching a new node before finish fails no-new-admin-writes-before-finish", function () {
  this.timeout(4 * 60_000);

  // proves: no-new-admin-writes-before-finish
  it("a consumer created straight on green-1 during the shift: the check names the node, phase, method, path and time", async () => {
    const s = new OperatorWritesToNewNode("admin-write-before-finish", options({ oldImage: "kong-standin:2.5.1", newImage: "kong-standin:2.6.0", steps: [0, 50, 100], holdMs: 2_000 }));
    const run = await runSteps(s, [() => s.setUp(), () => s.startLoad(), () => s.migrationsUp(), () => s.startGreen(), () => s.shift(), () => s.retireBlue(),
      () => s.migrationsFinish(), () => s.verifyAfterFinish()]);
    const all = `${describeRun(run)}\nreport: ${run.runDir}/report.json`;
    expect(run.stepError, all).to.equal(undefined);
    expect(s.sent?.status, "Kong accepted the operator's write").to.equal(201);
    const c = run.check("no-new-admin-writes-before-finish");
    expect(c.status, all).to.equal("fail");
    expect(c.message, all).to.match(/^1 Admin write reached the new cluster before `kong migrations finish` completed at \d+ ms: POST \/consumers reached green-1 at \d+ ms during Shift step \d+% \(answered 201\)$/);
    // The harness's own client sent nothing to green-1 before finish: the one write is the operator's.
    expect(run.report.checks.filter((r) => r.status === "fail").map((r) => r.id), all).to.deep.equal(["no-new-admin-writes-before-finish"]);
  });
});
