// Issue 5: Cassandra in place against stand-ins, on one shared Cassandra (a keyspace per run).
// 2.1.4 -> 2.6.0 (the seed's "2.1.x or lower") and 2.2.2 -> 2.6.0 pass every check but the
// documented old-node finding (Kong does not stop a 2.1/2.2 node after the 2.6.0 finish, and it
// serves correctly). 2.0.5 -> 2.6.0 is where the Cassandra schemas really break (kong/db/
// strategies/cassandra @2.1.0: workspace-prefixed unique values): the 2.0.5 node started after
// finish serves wrong answers. The downtime check is proven to fail on a real run's data.
import { expect } from "chai";
import { CASSANDRA_IN_PLACE_CHECKS } from "../../harness/checks/index.ts";
import { CassandraInPlaceScenario, SEED_PROBES } from "../../harness/scenario/index.ts";
import { cassandraKeyspace, describeRun, options, recheckWith, runSteps, type InProcessRun } from "./in-process.ts";

async function inPlace(old: string, faults: Record<string, string> = {}): Promise<InProcessRun> {
  const ds = await cassandraKeyspace(`inplace_${old.replace(/\./g, "")}`);
  const run = new CassandraInPlaceScenario(`cassandra-in-place-${old}`, options({ oldImage: `kong-standin:${old}`, newImage: "kong-standin:2.6.0", datastore: "cassandra", faults }), { downtimeBudgetMs: 60_000 })
    .withDatastore(ds);
  return runSteps(run, [() => run.setUp(), () => run.startLoad(), () => run.migrationsUp(), () => run.cutover(), () => run.verifyAfterFinish(), () => run.startOldNodeAfterFinish()]);
}

describe("scenario: Cassandra in place (stand-ins, shared Cassandra)", function () {
  this.timeout(4 * 60_000);
  let first: InProcessRun | undefined;

  for (const old of ["2.1.4", "2.2.2"]) {
    // proves: old-node-refuses-after-finish
    it(`${old} -> 2.6.0 passes every check but the old node's documented finding; downtime only in the cut-over`, async () => {
      const run = await inPlace(old);
      first ??= run;
      expect(run.stepError, describeRun(run)).to.equal(undefined);
      expect(run.notPassing, describeRun(run)).to.deep.equal(["old-node-refuses-after-finish"]);
      expect(run.report.checks.map((c) => c.id)).to.deep.equal(CASSANDRA_IN_PLACE_CHECKS.map((c) => c.id));
      expect(run.check("old-node-refuses-after-finish").message).to.equal(`kong-standin:${old} started against a database finished by kong-standin:2.6.0 and served ${SEED_PROBES.length}/${SEED_PROBES.length} baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3`);
      const w = run.check("downtime-window");
      expect(w.message).to.match(/^downtime window \d+ ms \(\d+ ms to \d+ ms\): \d+ failed \(no-backend \d+\), \d+ served inside it, within the budget of 60000 ms and inside Cutover$/);
      process.stdout.write(`      [${old} -> 2.6.0] ${w.message} (run ${run.seconds.toFixed(1)} s)\n`);
    });
  }

  // proves: downtime-window
  it("the downtime check fails on that run's data when the window exceeds the budget", async () => {
    expect(first, "the 2.1.4 run must have run").to.not.equal(undefined);
    const windowMs = Math.round((first!.check("downtime-window").data as { windowMs: number }).windowMs);
    const r = await recheckWith(first!.runDir, { downtimeBudgetMs: 1_000 });
    const c = r.check("downtime-window");
    expect(c.status).to.equal("fail");
    expect(c.message).to.match(new RegExp(`^the downtime window of ${windowMs} ms exceeds the budget of 1000 ms \\(\\d+ failed: no-backend \\d+\\)$`));
    expect(r.notPassing).to.deep.equal(["downtime-window", "old-node-refuses-after-finish"]);
  });

  // The same run proves `--readiness status` (the default) in the cut-over: green-1's `/status` says
  // ready 8 s before it serves (the stand-in's ready-before-serving switch); it gets the traffic at
  // once, so its 503s lengthen the downtime window, and readiness-honest names it.
  // proves: old-node-refuses-after-finish, readiness-honest
  it("2.0.5 -> 2.6.0: the 2.0.5 node started after finish serves wrong answers (the 2.0/2.1 Cassandra break); a new node that says ready early lengthens the downtime", async () => {
    const run = await inPlace("2.0.5", { "green-1": "ready-before-serving@for=8000" });
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.notPassing, describeRun(run)).to.deep.equal(["old-node-refuses-after-finish", "readiness-honest"]);
    expect(run.check("readiness-honest").message).to.match(/^1 of 1 nodes said ready before they served like the baseline, by more than the propagation bound \d+ ms: green-1 \(green, during Cutover\): `\/status` said ready at \d+ ms, answered like the baseline at \d+ ms: \d+ ms later$/);
    const w = run.check("downtime-window");
    expect(w.message).to.match(/^downtime window [\d,]+ ms \([\d,]+ ms to [\d,]+ ms\): [\d,]+ failed \((no-backend [\d,]+|status 503 [\d,]+)(, (no-backend [\d,]+|status 503 [\d,]+))?\), [\d,]+ served inside it, within the budget of 60000 ms and inside Cutover/);
    expect([(w.data as { windowMs: number }).windowMs > 7_000, /status 503 [\d,]+/.test(w.message)], `green-1's 503s inside a window of 7 s or more: ${w.message}`).to.deep.equal([true, true]);
    expect(run.check("old-node-refuses-after-finish").message).to.match(new RegExp(`^kong-standin:2\\.0\\.5 started against a database finished by kong-standin:2\\.6\\.0 and served \\d+/${SEED_PROBES.length} baseline requests incorrectly \\(\\d+ correct\\): an old node after finish serves wrong answers$`));
    process.stdout.write(`      [2.0.5 -> 2.6.0] ${run.check("downtime-window").message}; ${run.check("old-node-refuses-after-finish").message} (run ${run.seconds.toFixed(1)} s)\n`);
  });
});
