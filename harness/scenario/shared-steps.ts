// Steps that several procedures share, each recording into the run's history exactly as the
// blue/green procedure did: `kong migrations up` / `finish` with their expectations, the weight
// shift, the checks after finish and an old node started after finish. Phases are the caller's.
import { F, type OldNodeStartValue } from "../checks/index.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import type { WriteGate } from "../kong/cluster.ts";
import { KongContainer } from "../kong/kong-container.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { driveShift, WeightPlan } from "../traffic/index.ts";
import { interruptSignal, progress } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import { answerMatches, probeAll } from "./probes.ts";
import { ScenarioBase, ScenarioStepError } from "./scenario-base.ts";
import { SEED_PROBES } from "./seed.ts";

export abstract class ScenarioSteps extends ScenarioBase {
  /** Set once `kong migrations finish` succeeded: the new cluster's Admin API may take writes. */
  protected finished = false;

  /**
   * Setup and Baseline of every upgrade: datastore and upstream up, the old image's bootstrap, the
   * old cluster started and seeded, each old node answering like the baseline.
   */
  protected async setUpOldCluster(o: { snapshot: boolean; writeGate?: () => WriteGate; check?: (ds: StartedDatastore) => void; afterBaseline?: () => Promise<void> }): Promise<void> {
    await this.rec.phase("Setup", async () => {
      const ds = await this.startInfrastructure();
      o.check?.(ds);
      const oldImage = this.need(this.oldImage, "old image");
      await this.bootstrap(oldImage, "blue");
      if (o.snapshot) await this.snapshot("after-bootstrap");
      this.blue = await this.startCluster("blue", oldImage, this.options.oldNodes, o.writeGate);
      await this.seed(this.blue);
    });
    await this.rec.phase("Baseline", async () => {
      for (const node of this.need(this.blue, "blue cluster").nodes) await this.awaitBaseline(node, "blue", false);
      await o.afterBaseline?.();
    });
  }

  /** Load through the load balancer, at the old cluster, from now until the end of the run. */
  async startLoad(): Promise<void> {
    await this.startLoadOn(this.need(this.blue, "blue cluster"));
  }

  /** The old cluster leaves: no rollback to it any more, drained, its nodes stopped gracefully. */
  protected async retireOldCluster(): Promise<void> {
    const lb = this.need(this.lb, "load balancer");
    const blue = this.need(this.blue, "blue cluster");
    lb.promote();
    await lb.drain("blue", { timeoutMs: 30_000 });
    for (const node of [...blue.nodes]) {
      await lb.removeNode(node.name);
      await blue.removeNode(node, true);
    }
  }

  /** `list`, `up` (re-run once if it died), `list` with both images, schema snapshot. */
  protected async migrationsUpSteps(): Promise<void> {
    const newImage = this.need(this.newImage, "new image");
    const m = this.migrations(newImage, "green");
    const listed = { f: F.migrationsList, phase: "MigrationsUp", image: newImage.ref, exitCodes: [0, 4, 5] } as const;
    const before = await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
    this.migrationExpectations.push(listed);
    const hasNew = before.exitCode === 5;
    let up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
    this.migrationExpectations.push({ f: F.migrationsUp, exitCodes: [0], required: hasNew ? [" processed", "executed"] : ["Database is already up-to-date"] });
    // Kong prints "1 migration processed" or "N migrations processed" (the 2.2 -> 2.6 Cassandra `up` runs one).
    // An operator whose `up` died re-runs it once; migrations are meant to be re-runnable.
    if (up.exitCode !== 0) up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
    if (up.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations up\` with ${newImage.ref} exited ${up.exitCode}: ${(up.stderr || up.stdout).trim().split("\n")[0]}`);
    // What the new binary said `up` left pending decides what its `list` must say next.
    const leftPending = /^\d+ pending$/m.test(up.stdout);
    await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
    const next = this.afterUpPhase;
    if (next) this.migrationExpectations.push({ f: F.migrationsList, phase: next, image: newImage.ref, exitCodes: leftPending ? [4] : [0] });
    const oldImage = this.need(this.oldImage, "old image");
    await this.rec.migration(F.migrationsList, oldImage.ref, [], () => this.migrations(oldImage, "blue").run("list"));
    await this.snapshot("after-up");
    this.rec.expect(this.expectations());
  }

  /** The phase in which the new image's `list` is next run after `up` (it must say pending or up to date); none: not run before finish. */
  protected get afterUpPhase(): "GreenStart" | undefined { return "GreenStart"; }

  /** `finish` with the new image, `list` after it, schema snapshot. */
  protected async migrationsFinishSteps(phase: "MigrationsFinish" | "Cutover" = "MigrationsFinish"): Promise<void> {
    const newImage = this.need(this.newImage, "new image");
    const m = this.migrations(newImage, "green");
    this.migrationExpectations.push({ f: F.migrationsFinish, exitCodes: [0], required: ["No pending migrations to finish"] });
    this.migrationExpectations.push({ f: F.migrationsList, phase, image: newImage.ref, exitCodes: [0] });
    this.rec.expect(this.expectations());
    const fin = await this.rec.migration(F.migrationsFinish, newImage.ref, [], () => m.run("finish"));
    if (fin.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations finish\` with ${newImage.ref} exited ${fin.exitCode}: ${(fin.stderr || fin.stdout).trim().split("\n")[0]}`);
    this.finished = true;
    await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
    await this.snapshot("after-finish");
  }

  /** Drives the load balancer's weights old -> new through the plan; throws unless it succeeded. */
  protected async shiftSteps(): Promise<void> {
    const lb = this.need(this.lb, "load balancer");
    let stepIndex = -1;
    let stepOp: ReturnType<typeof this.rec.history.invoke> | undefined;
    const status = await driveShift({
      lb, plan: WeightPlan.of(this.options.steps, { holdMs: this.options.holdMs }), signal: interruptSignal(),
      verdict: () => (lb.breach ? "fail" : "pass"),
      onTick: (_s, action) => {
        if (action.kind === "setWeights") stepOp = this.rec.history.invoke("shift", F.step, { index: ++stepIndex, greenWeight: action.green });
      },
      onApplied: (_s, action) => {
        if (action.kind === "setWeights") progress().step(action.green);
        if (stepOp) this.rec.history.ok(stepOp);
        stepOp = undefined;
      },
    });
    if (status.phase !== "Succeeded") throw new ScenarioStepError(`traffic shift ended ${status.phase}: ${lb.breach ? `error budget breached (${lb.breach.reason})` : "aborted"}`);
  }

  /** Every new node serves every entity; a short Admin workload on the new cluster reaches its nodes. */
  protected async verifyAfterFinishSteps(before?: AdminWorkload): Promise<void> {
    const green = this.need(this.green, "green cluster");
    for (const node of green.nodes) await this.verifyFinalState(node, green, before);
    const workload = new AdminWorkload({
      history: this.rec.history, now: () => this.rec.now(), writers: [green.admin(green.nodes[0])], cluster: "green",
      nodes: () => this.watchedNodes().filter((n) => n.cluster === "green"), intervalMs: 500, watchMs: this.propagationBoundMs * 3,
      firstCycle: (before?.nextCycle ?? 1) + 1,
    });
    workload.start();
    await new Promise((r) => setTimeout(r, 2_000));
    await workload.stop(interruptSignal().aborted);
  }

  /** An old node against the finished datastore: records whether it refused, or what it served. */
  protected async oldNodeAfterFinishSteps(): Promise<void> {
    const oldImage = this.need(this.oldImage, "old image");
    const inv = this.rec.history.invoke("harness", F.oldNodeStart, { image: oldImage.ref });
    let value: OldNodeStartValue;
    try {
      const node = await new KongContainer(oldImage.ref, "blue-after-finish").withDatastore(this.need(this.datastore, "datastore")).withTuning(this.oldNodeAfterFinishTuning()).withStartupTimeout(60_000).start();
      try {
        const { answers } = await probeAll(node.getProxyUrl(), SEED_PROBES);
        const correct = answers.filter((a, i) => answerMatches(SEED_PROBES[i]!, a)).length;
        value = { exitCode: null, started: true, logs: (await node.logs(40)).slice(-4000), servesCorrectly: correct === answers.length, baseline: { correct, total: answers.length }, image: oldImage.ref, version: oldImage.version };
      } finally {
        await node.stop(false);
      }
    } catch (err) {
      if (!(err instanceof KongNodeExitedError)) throw err;
      value = { exitCode: err.exitCode, started: false, logs: `${err.stdout}\n${err.stderr}`.trim().slice(-4000), image: oldImage.ref, version: oldImage.version };
    }
    this.rec.history.ok(inv, value);
  }
}
