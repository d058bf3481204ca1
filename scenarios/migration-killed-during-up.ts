// scenario: Postgres blue/green with `kong migrations up` SIGKILLed after its first migration and re-run
import { expect } from "chai";
import { MigrationChaosScenario, runOptions } from "../harness/scenario/index.ts";

const options = runOptions({ oldImage: "kong:2.6.0", newImage: "kong:2.8.5" });

describe(`Kong ${options.oldImage} -> ${options.newImage}: blue/green with a killed \`up\``, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new MigrationChaosScenario("migration-chaos", options, { command: "up", kind: "sigkill", point: "halfway" });

  after(async () => { await run.tearDown(); });

  it("1. starts the datastore, bootstraps and seeds the old cluster, records the baseline", () => run.setUp());
  it("2. drives load through the load balancer (all old)", () => run.startLoad());
  it("3. kills `kong migrations up` after its first migration, re-runs it, then runs the procedure's `up`", () => run.migrationsUp());
  it("4. starts new nodes beside the old ones", () => run.startGreen());
  it("5. shifts traffic old -> new", () => run.shift());
  it("6. drains and stops the old nodes", () => run.retireBlue());
  it("7. runs `kong migrations finish`, then `up` and `finish` once more", () => run.migrationsFinish());
  it("8. serves everything from the new cluster; Admin writes now work there", () => run.verifyAfterFinish());
  it("9. starts an old node against the finished datastore", () => run.startOldNodeAfterFinish());
  it("10. the killed `up` ended like a clean run, and schema_meta agrees with `list` throughout", async () => {
    const report = await run.tearDown();
    const judged = report.checks.filter((c) => ["migration-recovery", "schema-meta-consistent", "migrations-output", "zero-failed-requests"].includes(c.id));
    expect(judged.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`)).to.deep.equal([]);
  });
});
