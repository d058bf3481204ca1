// Issue 5: Cassandra on a new keyspace against stand-ins, on one shared Cassandra (a keyspace per
// cluster and run). 2.0.5 -> 2.6.0 (the pair that needs it: the schemas break between 2.0 and
// 2.1+) passes every check with Admin writes frozen from the export to the cut-over; 2.2.2 -> 2.6.0
// in record mode (`--drift-mode record`, expectations "drift"), where the writes go on and the
// harness re-applies each one on the new keyspace at the cut-over, passes every check too.
// keyspace-drift reads each old node's Admin access log, so a write from outside the harness (an
// operator's automation, straight to an old node's Admin API after the export) fails it in either
// mode. The freeze run of that pair also has an export that misses its newest rows (stand-in switch
// `export-misses-recent`, as an export read at consistency ONE from a replica that was down while
// they were written): imported-state-served names each lost entity. Its writes before the export
// last 6 s, so the rows the switch leaves out (the last second of writes) are the Admin workload's
// only, never the seeded configuration the load and the readiness gate use.
import { expect } from "chai";
import { request } from "undici";
import { NEW_KEYSPACE_CHECKS } from "../../harness/checks/index.ts";
import { NewKeyspaceScenario, type NewKeyspaceOptions } from "../../harness/scenario/index.ts";
import { cassandraKeyspace, describeRun, options, runSteps, type InProcessRun } from "./in-process.ts";

/** During the shift (after the export), something outside the harness creates a consumer through blue-1. */
class OperatorWritesToOldNode extends NewKeyspaceScenario {
  sent?: number;

  override async shift(): Promise<void> {
    const node = this.need(this.blue, "blue cluster").nodes[0]!;
    const operator = (async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 500));
      const res = await request(`${node.getAdminUrl()}/consumers`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "operator-automation" }),
      });
      await res.body.dump();
      this.sent = res.statusCode;
    })();
    await Promise.all([super.shift(), operator]);
  }
}

async function newKeyspace(old: string, nk: Partial<NewKeyspaceOptions>, operator = false, faults: Record<string, string> = {}): Promise<InProcessRun & { sent?: number }> {
  const ds = await cassandraKeyspace(`nk_${old.replace(/\./g, "")}`);
  const o = options({ oldImage: `kong-standin:${old}`, newImage: "kong-standin:2.6.0", datastore: "cassandra", steps: [0, 25, 100], faults });
  const run = (operator ? new OperatorWritesToOldNode(`cassandra-new-keyspace-${old}-operator`, o, nk) : new NewKeyspaceScenario(`cassandra-new-keyspace-${old}`, o, nk)).withDatastore(ds);
  const done = await runSteps(run, [
    () => run.setUp(), () => run.startLoad(), () => run.bootstrapNewKeyspace(), () => run.exportConfig(), () => run.importConfig(),
    () => run.startGreen(), () => run.shift(), () => run.retireBlue(), () => run.verifyNewCluster(),
  ]);
  return { ...done, check: done.check, ...(run instanceof OperatorWritesToOldNode && run.sent !== undefined ? { sent: run.sent } : {}) };
}

describe("scenario: Cassandra new keyspace (stand-ins, shared Cassandra)", function () {
  this.timeout(4 * 60_000);

  it("2.0.5 -> 2.6.0 passes every check, with Admin writes frozen from the export to the cut-over", async () => {
    const run = await newKeyspace("2.0.5", { adminWritesAfterExport: "freeze" });
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.notPassing, describeRun(run)).to.deep.equal([]);
    expect(run.report.checks.map((c) => c.id)).to.deep.equal(NEW_KEYSPACE_CHECKS.map((c) => c.id));
    expect(run.check("keyspace-drift").message).to.match(/^Admin writes frozen from the export to the cut-over: the access logs of blue-1 show no write accepted after the export, and the harness's \d+ attempted writes were refused$/);
    expect(run.check("zero-failed-requests").message).to.match(/^0 of [\d,]+ requests failed$/);
    process.stdout.write(`      [2.0.5 -> 2.6.0] ${run.check("imported-state-served").message} (run ${run.seconds.toFixed(1)} s)\n`);
  });

  it("2.2.2 -> 2.6.0 in record mode: the writes made after the export are re-applied on the new keyspace at the cut-over, and every check passes", async () => {
    const run = await newKeyspace("2.2.2", { adminWritesAfterExport: "drift" });
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.notPassing, describeRun(run)).to.deep.equal([]);
    expect(run.report.checks.map((c) => c.id)).to.deep.equal(NEW_KEYSPACE_CHECKS.map((c) => c.id));
    const c = run.check("keyspace-drift");
    expect(c.message).to.match(/^all \d+ Admin writes accepted on the old cluster after the export were re-applied on the new keyspace and are present on every new node; the access logs of blue-1 show no other write$/);
    expect(c.evidence[0]).to.match(/^mode record; export started at \d+ ms; \d+ Admin writes by the harness on the old cluster after it: [1-9]\d* accepted, 0 refused by the freeze, 0 unknown$/);
    expect(c.evidence.some((l) => /^drift: create (consumers\/c|keyauth_credentials\/key-|routes\/w)\d+ via blue-1 at \d+ ms: re-applied, present on every new node$/.test(l)), c.evidence.join("\n")).to.equal(true);
    expect(run.check("zero-failed-requests").message).to.match(/^0 of [\d,]+ requests failed$/);
    process.stdout.write(`      [2.2.2 -> 2.6.0] ${run.check("imported-state-served").message} (run ${run.seconds.toFixed(1)} s)\n`);
  });

  const what = "POST /consumers on blue-1 at \\d+ ms during Shift step \\d+% \\(answered 201\\)";
  /**
   * An entity written by the Admin workload, on the new node, after the import; what it answered.
   * The workload rotates keys (key-<n>-r replaces key-<n>), so a rotated key can be among the lost
   * rows, and sorts before later keys (key-10, key-4-r, key-8) among the five the message names.
   */
  const LOST = String.raw`(routes\/w\d+|consumers\/c\d+|keyauth_credentials\/key-\d+(-r)?) on green-1 during AfterCutover \(seen: [^)]+\)`;

  // proves: keyspace-drift, imported-state-served
  it("--drift-mode freeze, with an export that misses its newest rows: a write made straight on an old node after the export fails keyspace-drift (node, phase, method, path, time); imported-state-served names each lost entity, node and phase", async () => {
    const run = await newKeyspace("2.2.2", { adminWritesAfterExport: "freeze", writesBeforeExportMs: 6_000 }, true, { blue: "export-misses-recent@for=1000" });
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.sent, "Kong accepted the operator's write").to.equal(201);
    expect(run.notPassing, describeRun(run)).to.deep.equal(["keyspace-drift", "imported-state-served"]);
    expect(run.check("keyspace-drift").message).to.match(new RegExp(`^1 Admin write slipped through the freeze after the export \\(the old nodes' access logs\\): ${what}$`));
    expect(run.check("imported-state-served").message, describeRun(run)).to.match(new RegExp(`^\\d+ exported entity checks answer differently on the new keyspace: ${LOST}(, ${LOST})*(, \\.\\.\\.)?$`));
  });

  // proves: keyspace-drift
  it("--drift-mode record: a write made straight on an old node after the export fails keyspace-drift, naming node, phase, method, path and time", async () => {
    const run = await newKeyspace("2.2.2", { adminWritesAfterExport: "drift" }, true);
    expect(run.stepError, describeRun(run)).to.equal(undefined);
    expect(run.sent, "Kong accepted the operator's write").to.equal(201);
    expect(run.notPassing, describeRun(run)).to.deep.equal(["keyspace-drift"]);
    expect(run.check("keyspace-drift").message).to.match(new RegExp(`^Admin writes made on the old cluster after the export are missing on the new keyspace: 1 write reached the old cluster after the export without being recorded, so never re-applied on the new keyspace: ${what}$`));
  });
});
