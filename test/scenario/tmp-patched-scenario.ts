// TEMPORARY verification only (not delivered): the scenario with the per-node faults of "blue-after-finish" applied to the old node after finish.
import { expect } from "chai";
import { runOptions, UpgradeScenario } from "../../harness/scenario/index.ts";
import { formatSummary } from "../../harness/report/index.ts";
import { F, type OldNodeStartValue } from "../../harness/checks/index.ts";
import { KongContainer } from "../../harness/kong/kong-container.ts";
import { KongNodeExitedError } from "../../harness/kong/kong-wait.ts";
import { answerMatches, probeAll } from "../../harness/scenario/probes.ts";
import { SEED_PROBES } from "../../harness/scenario/seed.ts";

const options = runOptions({ oldImage: "kong:1.5.1", newImage: "kong:2.6.0" });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const P = UpgradeScenario.prototype as any;
P.startOldNodeAfterFinish = async function (this: any) {
  await this.rec.phase("OldNodeAfterFinish", async () => {
    const oldImage = this.oldImage;
    const inv = this.rec.history.invoke("harness", F.oldNodeStart, { image: oldImage.ref });
    let value: OldNodeStartValue;
    const faults = [this.options.faults.blue, this.options.faults["blue-after-finish"]].filter(Boolean).join(",") || undefined;
    try {
      const node = await new KongContainer(oldImage.ref, "blue-after-finish").withDatastore(this.datastore).withTuning({ ...this.tuning("blue"), faults }).withStartupTimeout(60_000).start();
      try {
        const { answers } = await probeAll(node.getProxyUrl(), SEED_PROBES);
        const correct = answers.filter((a, i) => answerMatches(SEED_PROBES[i]!, a)).length;
        value = { exitCode: null, started: true, logs: (await node.logs(40)).slice(-4000), servesCorrectly: correct === answers.length, baseline: { correct, total: answers.length }, image: oldImage.ref, version: oldImage.version };
      } finally { await node.stop(false); }
    } catch (err) {
      if (!(err instanceof KongNodeExitedError)) throw err;
      value = { exitCode: err.exitCode, started: false, logs: `${err.stdout}\n${err.stderr}`.trim().slice(-4000), image: oldImage.ref, version: oldImage.version };
    }
    this.rec.history.ok(inv, value);
  });
};

describe(`patched ${options.oldImage} -> ${options.newImage}`, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new UpgradeScenario("postgres-blue-green", options);
  after(async function () { const report = await run.tearDown(); process.stdout.write(`\n${formatSummary(report, { reportPath: `${run.rec.runDir}/report.json` })}\n`); });
  it("1", () => run.setUp());
  it("2", () => run.startLoad());
  it("3", () => run.migrationsUp());
  it("4", () => run.startGreen());
  it("5", () => run.shift());
  it("6", () => run.retireBlue());
  it("7", () => run.migrationsFinish());
  it("8", () => run.verifyAfterFinish());
  it("9", () => run.startOldNodeAfterFinish());
  it("10", async () => { const report = await run.tearDown(); expect(report.checks.filter((c) => c.status !== "pass").map((c) => c.id)).to.deep.equal([]); });
});
