// imported-state-served shown failing on a real Cassandra new-keyspace run (stand-ins, shared
// Cassandra): the old cluster's `kong config db_export` misses its newest rows, as an export read
// at consistency ONE from a replica that was down while they were written would (stand-in switch
// `export-misses-recent`). The import then carries fewer entities than the old cluster served, and
// the check names each entity, the new node and the phase where it answered differently.
//
// The writes before the export last 6 s (not the default 2 s), so the rows the switch leaves out
// (the last second of writes) are the Admin workload's only, never the seeded
// configuration the load and the readiness gate use: only the imported state differs.
import { expect } from "chai";
import { NewKeyspaceScenario } from "../../harness/scenario/index.ts";
import { cassandraKeyspace, describeRun, options, runSteps } from "./in-process.ts";

/** An entity written by the Admin workload, on the new node, after the import; what it answered. */
const LOST = String.raw`(routes\/w\d+|consumers\/c\d+|keyauth_credentials\/key-\d+) on green-1 during AfterCutover \(seen: [^)]+\)`;

describe("scenario: an export that misses rows fails imported-state-served (Cassandra new keyspace, stand-ins)", function () {
  this.timeout(4 * 60_000);

  // proves: imported-state-served
  it("2.2.2 -> 2.6.0 with export-misses-recent on the old image: imported-state-served names each lost entity, node and phase; no other check fails", async () => {
    const ds = await cassandraKeyspace("nk_export_misses");
    const o = options({ oldImage: "kong-standin:2.2.2", newImage: "kong-standin:2.6.0", datastore: "cassandra", steps: [0, 25, 100], faults: { blue: "export-misses-recent@for=1000" } });
    const run = new NewKeyspaceScenario("cassandra-new-keyspace-export-misses", o, { adminWritesAfterExport: "freeze", writesBeforeExportMs: 6_000 }).withDatastore(ds);
    const done = await runSteps(run, [
      () => run.setUp(), () => run.startLoad(), () => run.bootstrapNewKeyspace(), () => run.exportConfig(), () => run.importConfig(),
      () => run.startGreen(), () => run.shift(), () => run.retireBlue(), () => run.verifyNewCluster(),
    ]);
    expect(done.stepError, describeRun(done)).to.equal(undefined);
    expect(done.notPassing, describeRun(done)).to.deep.equal(["imported-state-served"]);
    const c = done.check("imported-state-served");
    expect(c.status).to.equal("fail");
    expect(c.message, describeRun(done)).to.match(new RegExp(`^\\d+ exported entity checks answer differently on the new keyspace: ${LOST}(, ${LOST})*(, \\.\\.\\.)?$`));
  });
});
