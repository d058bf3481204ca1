// Issue 5: Cassandra on a new keyspace against stand-ins, on one shared Cassandra (a keyspace per
// cluster and run). 2.0.5 -> 2.6.0 (the pair that needs it: the schemas break between 2.0 and
// 2.1+) and 2.2.2 -> 2.6.0 pass every check with Admin writes frozen from the export to the
// cut-over. With writes let through ("drift"), the drift check fails naming the missing writes.
import { expect } from "chai";
import { NEW_KEYSPACE_CHECKS } from "../../harness/checks/index.ts";
import { NewKeyspaceScenario, type NewKeyspaceOptions } from "../../harness/scenario/index.ts";
import { cassandraKeyspace, describeRun, options, runSteps, type InProcessRun } from "./in-process.ts";

async function newKeyspace(old: string, nk: Partial<NewKeyspaceOptions>): Promise<InProcessRun> {
  const ds = await cassandraKeyspace(`nk_${old.replace(/\./g, "")}`);
  const run = new NewKeyspaceScenario(`cassandra-new-keyspace-${old}`, options({ oldImage: `kong-standin:${old}`, newImage: "kong-standin:2.6.0", datastore: "cassandra", steps: [0, 25, 100] }), nk)
    .withDatastore(ds);
  return runSteps(run, [
    () => run.setUp(), () => run.startLoad(), () => run.bootstrapNewKeyspace(), () => run.exportConfig(), () => run.importConfig(),
    () => run.startGreen(), () => run.shift(), () => run.retireBlue(), () => run.verifyNewCluster(),
  ]);
}

describe("scenario: Cassandra new keyspace (stand-ins, shared Cassandra)", function () {
  this.timeout(4 * 60_000);

  for (const old of ["2.0.5", "2.2.2"]) {
    it(`${old} -> 2.6.0 passes every check, with Admin writes frozen from the export to the cut-over`, async () => {
      const run = await newKeyspace(old, { adminWritesAfterExport: "freeze" });
      expect(run.stepError, describeRun(run)).to.equal(undefined);
      expect(run.notPassing, describeRun(run)).to.deep.equal([]);
      expect(run.report.checks.map((c) => c.id)).to.deep.equal(NEW_KEYSPACE_CHECKS.map((c) => c.id));
      expect(run.check("keyspace-drift").message).to.match(/^Admin writes frozen from the export to the cut-over: all \d+ attempted writes were refused, none can be missing on the new keyspace$/);
      expect(run.check("zero-failed-requests").message).to.match(/^0 of [\d,]+ requests failed$/);
      process.stdout.write(`      [${old} -> 2.6.0] ${run.check("imported-state-served").message} (run ${run.seconds.toFixed(1)} s)\n`);
    });
  }

  it("drift mode: writes made after the export are missing on the new keyspace, and the drift check fails naming them", async () => {
    const run = await newKeyspace("2.0.5", { adminWritesAfterExport: "drift" });
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.notPassing, describeRun(run)).to.deep.equal(["keyspace-drift"]);
    const c = run.check("keyspace-drift");
    expect(c.message).to.match(/^\d+ of \d+ Admin writes made on the old cluster after the export are missing on the new keyspace: create (consumers\/c|keyauth_credentials\/key-|routes\/w)\d+ via blue-1 at \d+ ms: missing on green-1/);
    expect(c.evidence[0]).to.match(/^mode drift; export started at \d+ ms; \d+ Admin writes on the old cluster after it: \d+ accepted, 0 refused by the freeze, 0 unknown$/);
  });
});
