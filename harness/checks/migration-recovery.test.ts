// verifyRecovery: the rules of a killed-and-re-run migration, one at a time.
import { expect } from "chai";
import { verifyRecovery } from "./migration-recovery.ts";
import type { DatastoreState, MigrationRecoveryValue, RecoveryRun } from "./records.ts";

const state: DatastoreState = { schemaMeta: [{ key: "schema_meta", subsystem: "core", executed: ["000_base"], pending: [], lastExecuted: "000_base" }], fingerprint: { strategy: "postgres", tables: {} } };
const run = (command: RecoveryRun["command"], exitCode: number, line: string, aborted = false): RecoveryRun => ({ command, exitCode, line, aborted });
const clean: MigrationRecoveryValue = {
  fault: { command: "up", kind: "crash", point: "halfway", exitCode: 137, line: "migrating core on database 'kong'..." },
  reruns: [run("up", 0, "aborted: another node is performing database changes", true), run("list", 5, "…"), run("up", 0, "5 lines, last: 2 executed"), run("finish", 0, "No pending migrations to finish")],
  reference: state, recovered: state, noop: [run("up", 0, "Database is already up-to-date"), run("finish", 0, "No pending migrations to finish")],
  beforeNoop: state, afterNoop: state, referenceFinal: state,
};

describe("verifyRecovery", () => {
  it("a recovery that ends like the clean run has no problems", () => {
    expect(verifyRecovery(clean)).to.deep.equal([]);
  });

  it("an aborted re-run trusted without a state check is a problem", () => {
    expect(verifyRecovery({ ...clean, reruns: [run("up", 0, "aborted: another node is performing database changes", true), run("up", 0, "2 executed")] }))
      .to.deep.equal(["re-run 1 (`up`) printed the aborted line and no state check followed it"]);
  });

  it("`up` or `finish` run again that does work, or changes the datastore, is not a no-op", () => {
    const changed: DatastoreState = { ...state, schemaMeta: [{ ...state.schemaMeta[0]!, executed: ["000_base", "000_base"] }] };
    expect(verifyRecovery({ ...clean, noop: [run("up", 0, "5 lines, last: 1 executed"), run("finish", 0, "No pending migrations to finish")], afterNoop: changed })).to.deep.equal([
      "`up` run again is not a no-op: exited 0, printed \"5 lines, last: 1 executed\" (expected \"Database is already up-to-date\")",
      "`up`/`finish` run again changed the datastore: schema_meta core.executed: unexpected [\"000_base\"], recorded twice [\"000_base\"]",
    ]);
  });
});
