// Issue 4's qualification runs without faults, through the CLI: stand-in 1.5.1 -> 2.6.0 passes
// every check three runs in a row; 2.5.1 -> 2.6.0 fails only old-node-refuses-after-finish,
// because Kong (and so the stand-in) lets a 2.5 node start after the 2.6.0 finish.
// Kept short but faithful: every step of the procedure and the default weight plan run, with
// 2 old and 2 new nodes, at 100 requests/s and a 1.5 s hold per step.
// Issue 7's checks pass there too, and their messages show they really looked: the cold and the
// rebuilt old node answered all 11 probes, the finish gate probed every old node (the cold one
// included), the seeded keys answered in every phase, both clusters hit the rate limit together.
import { expect } from "chai";
import { BLUE_GREEN_CHECKS } from "../../harness/checks/index.ts";
import { CLEAN_RUN, describeChecks, keyWrites, ROTATION_FLAGS, runScenario, runScenarioOnce } from "./scenario-run.ts";

describe("scenario: clean blue/green runs against stand-ins", function () {
  this.timeout(4 * 60_000);

  for (const attempt of [1, 2, 3]) {
    it(`1.5.1 -> 2.6.0 passes every check (run ${attempt} of 3)`, async () => {
      const run = await runScenarioOnce({ ...CLEAN_RUN, attempt });
      expect(run.notPassing, describeChecks(run)).to.deep.equal([]);
      expect(run.report.checks.map((c) => c.id)).to.deep.equal(BLUE_GREEN_CHECKS.map((c) => c.id));
      expect([run.cli.code, run.report.verdict], run.cli.stderr.slice(-2000)).to.deep.equal([0, "pass"]);
      expect(run.check("old-node-refuses-after-finish").message).to.match(/^kong-standin:1\.5\.1 refused to start against a database finished by kong-standin:2\.6\.0 \(exit 1\): .*column "run_on" does not exist/);
      expect(run.check("cold-old-node-parity").message).to.match(/^old nodes answered like the baseline after `up`: blue-cold \(cold start during MigrationsUp; started with kong-standin:1\.5\.1 after `up`\) 11\/11; blue-1 \(rebuild during MigrationsUp; [^)]*\) 11\/11$/);
      expect(run.check("finish-waits-for-old-nodes").message).to.match(/^no old node answered before `kong migrations finish`: blue-1 \(proxy \S+ refused .*; blue-2 \(proxy \S+ refused .*; blue-cold \(proxy \S+ refused /);
      expect(run.check("credentials-survive-upgrade").message).to.match(/; per phase \(200\/answers\): Baseline \d+\/\d+, MigrationsUp \d+\/\d+, GreenStart \d+\/\d+, Shift \d+\/\d+, Drain \d+\/\d+, MigrationsFinish \d+\/\d+, AfterFinish \d+\/\d+, OldNodeAfterFinish \d+\/\d+$/);
      expect(run.check("shared-rate-limit").message).to.match(/; [1-9]\d* seconds answered by both clusters at once, [1-9]\d* of them up to the limit \(429\)$/);
      expect(run.check("old-data-after-finish").message).to.equal("all 12 entities seeded before `up` mean the same after finish: GET 200, same configuration, PATCH of the unchanged body 200");
    });
  }

  it("2.5.1 -> 2.6.0, keys rotated during the shift, fails only old-node-refuses-after-finish: the 2.5.1 node starts and serves", async () => {
    const run = await runScenario({ ...CLEAN_RUN, old: "2.5.1", flags: [...ROTATION_FLAGS] });
    expect(run.notPassing, describeChecks(run)).to.deep.equal(["old-node-refuses-after-finish"]);
    // Same cache-key format: each revoked key stops working on every node within the bound.
    const revoked = keyWrites(run).filter((w) => w.action === "delete");
    expect(revoked.length, "keys revoked during the run").to.be.at.least(1);
    for (const w of revoked) expect([w.type, w.missingOn, w.lateOn], w.writeId).to.deep.equal(["ok", [], []]);
    expect([run.cli.code, run.report.verdict]).to.deep.equal([1, "fail"]);
    const c = run.check("old-node-refuses-after-finish");
    expect(c.status).to.equal("fail");
    expect(c.message).to.equal("kong-standin:2.5.1 started against a database finished by kong-standin:2.6.0 and served 11/11 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3");
    expect(c.evidence[0]).to.equal("kong-standin:2.5.1 (version 2.5.1): started true, exit none (still running)");
  });
});
