// scenario: Cassandra in place: `kong migrations up`/`finish` on the shared keyspace with a measured downtime window
//
// The seed's Cassandra path for 2.1.x (or lower) -> 2.6.x when a short downtime is accepted. Copy
// this file to qualify your own pair: change the default images and the downtime budget, or pass
// --old/--new to `npx kong-upgrade-harness run`. Each `it` is one step of the procedure.
import { expect } from "chai";
import { CassandraInPlaceScenario, runOptions } from "../harness/scenario/index.ts";
import { formatSummary } from "../harness/report/index.ts";

const options = runOptions({ oldImage: "kong:2.1.4", newImage: "kong:2.6.0", datastore: "cassandra", oldNodes: 1, newNodes: 1 });

describe(`Kong ${options.oldImage} -> ${options.newImage}: in place on Cassandra, with a downtime window`, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new CassandraInPlaceScenario("cassandra-in-place", options, { downtimeBudgetMs: 60_000 });

  after(async function () {
    const report = await run.tearDown();
    process.stdout.write(`\n${formatSummary(report, { reportPath: `${run.rec.runDir}/report.json` })}\n`);
  });

  it("1. starts Cassandra, bootstraps the keyspace and seeds the old cluster, records the baseline", () => run.setUp());
  it("2. drives load through the load balancer (all old)", () => run.startLoad());
  it("3. runs `kong migrations up` with the new image while the old cluster serves and takes Admin writes", () => run.migrationsUp());
  it("4. cuts over: stops the old nodes, runs `kong migrations finish`, starts the new nodes (the downtime window)", () => run.cutover());
  it("5. serves everything written before the window from the new cluster; Admin writes work there", () => run.verifyAfterFinish());
  it("6. starts an old node against the finished keyspace (it must refuse)", () => run.startOldNodeAfterFinish());
  it("7. passes every check", async () => {
    const report = await run.tearDown();
    const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`);
    expect(failed, "checks that did not pass").to.deep.equal([]);
  });
});
