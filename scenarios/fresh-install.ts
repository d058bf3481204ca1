// scenario: Fresh install: `kong migrations bootstrap`, then start, on Postgres or Cassandra (--datastore)
//
// The seed's "Installing 2.6.x on a fresh datastore". Only --new matters (the version installed).
import { expect } from "chai";
import { FreshInstallScenario, runOptions } from "../harness/scenario/index.ts";
import { formatSummary } from "../harness/report/index.ts";

const defaults = runOptions({ oldImage: "kong:2.6.0", newImage: "kong:2.6.0", newNodes: 2 }, { newImageOnly: true });
const options = { ...defaults, oldImage: defaults.newImage };

describe(`Kong ${options.newImage}: fresh install on ${options.datastore}`, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new FreshInstallScenario("fresh-install", options);

  after(async function () {
    const report = await run.tearDown();
    process.stdout.write(`\n${formatSummary(report, { reportPath: `${run.rec.runDir}/report.json` })}\n`);
  });

  it("1. starts a fresh datastore (`kong migrations list` says it needs bootstrap)", () => run.setUp());
  it("2. runs `kong migrations bootstrap`", () => run.bootstrapDatastore());
  it("3. starts the nodes", () => run.startNodes());
  it("4. seeds the configuration; every node answers like the baseline", () => run.seedAndVerify());
  it("5. serves load; Admin writes reach every node", () => run.serveUnderLoad());
  it("6. passes every check", async () => {
    const report = await run.tearDown();
    const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`);
    expect(failed, "checks that did not pass").to.deep.equal([]);
  });
});
