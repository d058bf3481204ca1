// Issue 5: a fresh install against stand-ins. The scenario file through the CLI on Postgres; the
// scenario class on Cassandra (shared container, a fresh keyspace) for 2.6.0 and 2.2.2; and the
// fresh-install check proven to fail when nodes are started without `kong migrations bootstrap`.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { FRESH_INSTALL_CHECKS } from "../../harness/checks/index.ts";
import type { Report } from "../../harness/report/index.ts";
import { FreshInstallScenario } from "../../harness/scenario/index.ts";
import { runCli } from "../support/cli.ts";
import { cassandraKeyspace, describeRun, options, runSteps, type InProcessRun } from "./in-process.ts";

function fresh(version: string, datastore: "postgres" | "cassandra", bootstrap = true): FreshInstallScenario {
  const image = `kong-standin:${version}`;
  return new FreshInstallScenario(`fresh-install-${version}`, options({ oldImage: image, newImage: image, datastore, newNodes: 2 }), { bootstrap });
}

const steps = (run: FreshInstallScenario): (() => Promise<void>)[] =>
  [() => run.setUp(), () => run.bootstrapDatastore(), () => run.startNodes(), () => run.seedAndVerify(), () => run.serveUnderLoad()];

describe("scenario: fresh install (stand-ins)", function () {
  this.timeout(4 * 60_000);

  it("scenarios/fresh-install.ts passes every check on Postgres with 2.6.0 (through the CLI)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-fresh-"));
    const cli = await runCli(["run", "scenarios/fresh-install.ts", "--new", "kong-standin:2.6.0", "--datastore", "postgres", "--rate", "100", "--hold-ms", "1000", "--report-dir", dir], {}, 180_000);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
    expect(report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`), cli.stdout.slice(-2000)).to.deep.equal([]);
    expect(report.checks.map((c) => c.id)).to.deep.equal(FRESH_INSTALL_CHECKS.map((c) => c.id));
    expect([cli.code, report.verdict]).to.deep.equal([0, "pass"]);
  });

  for (const version of ["2.6.0", "2.2.2"]) {
    it(`${version} passes every check on Cassandra (a fresh keyspace)`, async () => {
      const run = fresh(version, "cassandra").withDatastore(await cassandraKeyspace(`fresh_${version.replace(/\./g, "")}`));
      const r: InProcessRun = await runSteps(run, steps(run));
      expect(r.stepError, describeRun(r)).to.equal(undefined);
      expect(r.notPassing, describeRun(r)).to.deep.equal([]);
      expect(r.check("fresh-install").message).to.equal("bootstrap completed at " + /at (\d+ ms)/.exec(r.check("fresh-install").message)![1] + " (exit 0) on a fresh datastore (list exited 3 before it); 2 nodes started after it (green-1, green-2)");
    });
  }

  // proves: fresh-install
  it("fails the fresh-install check when a node is started without bootstrap (Postgres)", async () => {
    const run = fresh("2.6.0", "postgres", false);
    const r = await runSteps(run, steps(run));
    expect(r.stepError?.message).to.equal('node "green-1" (kong-standin:2.6.0) refused to start (exit 1) on a datastore that was not bootstrapped');
    const c = r.check("fresh-install");
    expect(c.status).to.equal("fail");
    expect(c.message).to.match(/^1 node was started without `kong migrations bootstrap`: green-1 refused to start \(exit 1\): .*needs bootstrap/i);
  });
});
