// scenario: Cassandra new keyspace: bootstrap, `kong config db_export`/`db_import`, traffic shifted with no downtime
//
// The seed's no-downtime Cassandra path for 2.1.x (or lower) -> 2.6.x. Admin writes on the old
// cluster are frozen from the export to the cut-over (set adminWritesAfterExport: "drift" to let
// them through and have them listed). Copy this file to qualify your own pair.
import { expect } from "chai";
import { NewKeyspaceScenario, runOptions } from "../harness/scenario/index.ts";
import { formatSummary } from "../harness/report/index.ts";

const options = runOptions({ oldImage: "kong:2.0.5", newImage: "kong:2.6.0", datastore: "cassandra", oldNodes: 1, newNodes: 1 });

describe(`Kong ${options.oldImage} -> ${options.newImage}: new keyspace on Cassandra under shifting load`, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new NewKeyspaceScenario("cassandra-new-keyspace", options, { adminWritesAfterExport: "freeze" });

  after(async function () {
    const report = await run.tearDown();
    process.stdout.write(`\n${formatSummary(report, { reportPath: `${run.rec.runDir}/report.json` })}\n`);
  });

  it("1. starts Cassandra, bootstraps the old keyspace, seeds and writes through the old cluster", () => run.setUp());
  it("2. drives load through the load balancer (all old)", () => run.startLoad());
  it("3. runs `kong migrations bootstrap` with the new image on a new keyspace", () => run.bootstrapNewKeyspace());
  it("4. freezes Admin writes and runs `kong config db_export` with the old image", () => run.exportConfig());
  it("5. carries the file over and runs `kong config db_import` with the new image", () => run.importConfig());
  it("6. starts new nodes on the new keyspace, ready once they answer like the baseline", () => run.startGreen());
  it("7. shifts traffic old -> new step by step", () => run.shift());
  it("8. ends the freeze, drains and stops the old nodes", () => run.retireBlue());
  it("9. checks every exported entity on the new cluster", () => run.verifyNewCluster());
  it("10. passes every check", async () => {
    const report = await run.tearDown();
    const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`);
    expect(failed, "checks that did not pass").to.deep.equal([]);
  });
});
