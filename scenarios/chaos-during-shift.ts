// scenario: Postgres blue/green under a seeded fault schedule: datastore latency on one node, a node killed, a node frozen, a node partitioned from the datastore, the datastore restarted
//
// The blue/green procedure of postgres-blue-green.ts, with a production-like load balancer (health
// checks, retries on another node) and Toxiproxy between every Kong node and the datastore. Each
// fault declares what it may do to traffic; the fault-expectations check judges it. `--seed N`
// draws another schedule (the random target nodes and offsets); the seed is in the report.
import { expect } from "chai";
import { runOptions } from "../harness/scenario/index.ts";
import { ChaosScenario, type ChaosPlan } from "../harness/scenario/chaos-scenario.ts";
import { formatSummary } from "../harness/report/index.ts";

const options = runOptions({ oldImage: "kong:1.5.1", newImage: "kong:2.6.0", rate: 100, steps: [0, 50, 100], holdMs: 6_000 }, { drawsAtRandom: true });

export const CHAOS_PLAN: ChaosPlan = {
  toxiproxy: true,
  loadBalancer: { retries: { onConnectFailure: 2, beforeAnswer: true }, timeoutMs: 5_000 },
  faults: [
    // While the new nodes start (all traffic on the old cluster), one old node's datastore connection
    // gets slow: nothing may fail. (Not during `up`: old-latency-during-up judges that window.)
    { id: "datastore-latency", kind: "latency", target: { randomNode: "blue" }, at: { random: { phase: "GreenStart", withinMs: 1_500 } },
      forMs: 3_000, params: { latencyMs: 100, jitterMs: 20 }, expect: { kind: "zero-failures" } },
    // All traffic on the old cluster: one old node dies. Idempotent requests that broke on it are
    // retried on another node; a POST already sent may have been processed, so no load balancer may
    // resend it: only those may fail (the test checks that every failure in this window is a POST).
    { id: "kill-old-node", kind: "kill", target: { node: "blue-1" }, at: { step: 0, afterMs: 1_000 }, forMs: 1_500,
      expect: { kind: "budget", maxFailures: 3 } },
    // Half the traffic on the new cluster: one new node freezes; requests already on it may time out.
    { id: "freeze-new-node", kind: "pause", target: { randomNode: "green" }, at: { step: 50, afterMs: 500 }, forMs: 2_000,
      expect: { kind: "budget", maxFailures: 150, graceMs: 1_000 } },
    // Meanwhile the other old node (its cache warm: a node just restarted would have to read the
    // datastore) loses the datastore: it serves from its cache; Admin writes sent to it fail cleanly.
    { id: "partition-old-node", kind: "partition", target: { node: "blue-2" }, at: { step: 50, afterMs: 1_000 }, forMs: 2_000,
      expect: { kind: "proxy-unaffected", graceMs: 1_000 } },
    // All traffic on the new cluster: the datastore restarts. Routers invalidated by the last Admin
    // writes cannot be rebuilt and rate-limit counters cannot be read until it is back: bounded failures.
    { id: "datastore-restart", kind: "datastore-restart", at: { step: 100, afterMs: 500 }, expect: { kind: "budget", maxFailures: 300, graceMs: 3_000 } },
  ],
};

describe(`Kong ${options.oldImage} -> ${options.newImage}: blue/green on PostgreSQL with faults (seed ${options.seed})`, function () {
  this.timeout(30 * 60_000);
  this.bail(true);
  const run = new ChaosScenario("chaos-during-shift", options, CHAOS_PLAN);

  after(async function () {
    const report = await run.tearDown();
    process.stdout.write(`\n${formatSummary(report, { reportPath: `${run.rec.runDir}/report.json` })}\n`);
  });

  it(`0. resolves the fault schedule: ${run.describeSchedule().join("; ")}`, () => undefined);
  it("1. starts the datastore behind Toxiproxy, bootstraps and seeds the old cluster, records the baseline", () => run.setUp());
  it("2. drives load through the load balancer (health checks, retries); the nemesis starts", () => run.startLoad());
  it("3. runs `kong migrations up` with the new image while the old cluster serves", () => run.migrationsUp());
  it("4. starts new nodes beside the old ones, ready once they answer like the baseline", () => run.startGreen());
  it("5. shifts traffic old -> new step by step while faults are injected", () => run.shift());
  it("6. waits for every fault to recover, drains and stops the old nodes", () => run.retireBlue());
  it("7. runs `kong migrations finish` with the new image", () => run.migrationsFinish());
  it("8. serves everything from the new cluster; Admin writes now work there", () => run.verifyAfterFinish());
  it("9. starts an old node against the finished datastore (it must refuse)", () => run.startOldNodeAfterFinish());
  it("10. passes every check, each fault within its expectation", async () => {
    const report = await run.tearDown();
    const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`);
    expect(failed, "checks that did not pass").to.deep.equal([]);
  });
});
