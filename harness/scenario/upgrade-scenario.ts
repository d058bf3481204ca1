// The blue/green upgrade procedure (Kong's "Upgrade from 1.0.x - 2.5.x to 2.6.x", Postgres), one
// method per step, so a scenario file reads like the procedure. Every step records into the run's
// history; the checks judge it afterwards and the report is always written.
import { F, type OldNodeStartValue } from "../checks/index.ts";
import { KongContainer } from "../kong/kong-container.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { driveShift, WeightPlan } from "../traffic/index.ts";
import { interruptSignal, progress } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import { answerMatches, probeAll } from "./probes.ts";
import { ScenarioBase, ScenarioStepError } from "./scenario-base.ts";
import { SEED_PROBES } from "./seed.ts";

export { ScenarioStepError, startDatastore } from "./scenario-base.ts";

export class UpgradeScenario extends ScenarioBase {
  private finished = false;
  private shiftWorkload?: AdminWorkload;

  // 1. Shared datastore up; old cluster bootstrapped, started, seeded; baseline recorded.
  async setUp(): Promise<void> {
    await this.rec.phase("Setup", async () => {
      await this.startInfrastructure();
      const oldImage = this.need(this.oldImage, "old image");
      await this.bootstrap(oldImage, "blue");
      await this.snapshot("after-bootstrap");
      this.blue = await this.startCluster("blue", oldImage, this.options.oldNodes);
      await this.seed(this.blue);
    });
    await this.rec.phase("Baseline", async () => {
      for (const node of this.need(this.blue, "blue cluster").nodes) await this.awaitBaseline(node, "blue", false);
    });
  }

  // 2. Load through the load balancer, from now until the end of the run.
  async startLoad(): Promise<void> {
    await this.startLoadOn(this.need(this.blue, "blue cluster"));
  }

  // 3. `kong migrations up` with the new image, while the old cluster serves.
  async migrationsUp(): Promise<void> {
    await this.rec.phase("MigrationsUp", async () => {
      const newImage = this.need(this.newImage, "new image");
      const m = this.migrations(newImage, "green");
      const listed = { f: F.migrationsList, phase: "MigrationsUp", image: newImage.ref, exitCodes: [0, 4, 5] } as const;
      const before = await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
      this.migrationExpectations.push(listed);
      const hasNew = before.exitCode === 5;
      let up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
      this.migrationExpectations.push({ f: F.migrationsUp, exitCodes: [0], required: hasNew ? ["migrations processed", "executed"] : ["Database is already up-to-date"] });
      // An operator whose `up` died re-runs it once; migrations are meant to be re-runnable.
      if (up.exitCode !== 0) up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
      if (up.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations up\` with ${newImage.ref} exited ${up.exitCode}: ${(up.stderr || up.stdout).trim().split("\n")[0]}`);
      // What the new binary said `up` left pending decides what its `list` must say next.
      const leftPending = /^\d+ pending$/m.test(up.stdout);
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
      this.migrationExpectations.push({ f: F.migrationsList, phase: "GreenStart", image: newImage.ref, exitCodes: leftPending ? [4] : [0] });
      const oldImage = this.need(this.oldImage, "old image");
      await this.rec.migration(F.migrationsList, oldImage.ref, [], () => this.migrations(oldImage, "blue").run("list"));
      await this.snapshot("after-up");
      this.rec.expect(this.expectations());
    });
  }

  // 4. New nodes start beside the old ones; ready only when they answer like the baseline.
  async startGreen(): Promise<void> {
    await this.rec.phase("GreenStart", async () => {
      const newImage = this.need(this.newImage, "new image");
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green").run("list"));
      this.green = await this.startCluster("green", newImage, this.options.newNodes,
        () => ({ allowed: this.finished, reason: "the procedure allows Admin API writes on the new cluster only after `kong migrations finish`" }));
      for (const node of this.green.nodes) {
        await this.awaitBaseline(node, "green", true);
        this.need(this.lb, "load balancer").addNode("green", { name: node.name, url: node.getProxyUrl() });
      }
    });
  }

  // 5. Weights shift old -> new in steps; Admin writes go to the old cluster only, watched everywhere.
  async shift(): Promise<void> {
    await this.rec.phase("Shift", async () => {
      const lb = this.need(this.lb, "load balancer");
      const blue = this.need(this.blue, "blue cluster");
      const workload = (this.shiftWorkload = new AdminWorkload({
        history: this.rec.history, now: () => this.rec.now(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue",
        nodes: () => this.watchedNodes(), intervalMs: 1_500, watchMs: this.propagationBoundMs * 3,
      }));
      workload.start();
      let stepIndex = -1;
      let stepOp: ReturnType<typeof this.rec.history.invoke> | undefined;
      let status: Awaited<ReturnType<typeof driveShift>>;
      try {
        status = await driveShift({
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
      } finally {
        await workload.stop(interruptSignal().aborted);
      }
      if (status.phase !== "Succeeded") throw new ScenarioStepError(`traffic shift ended ${status.phase}: ${lb.breach ? `error budget breached (${lb.breach.reason})` : "aborted"}`);
    });
  }

  // 6. Old nodes drained and stopped; no in-flight request may fail.
  async retireBlue(): Promise<void> {
    await this.rec.phase("Drain", async () => {
      const lb = this.need(this.lb, "load balancer");
      const blue = this.need(this.blue, "blue cluster");
      lb.promote();
      await lb.drain("blue", { timeoutMs: 30_000 });
      for (const node of [...blue.nodes]) {
        await lb.removeNode(node.name);
        await blue.removeNode(node, true);
      }
    });
  }

  // 7. `kong migrations finish` with the new image; `list` then reports up to date.
  async migrationsFinish(): Promise<void> {
    await this.rec.phase("MigrationsFinish", async () => {
      const newImage = this.need(this.newImage, "new image");
      const still = this.blue?.nodes.map((n) => n.name) ?? [];
      if (still.length) throw new ScenarioStepError(`refusing to run \`kong migrations finish\` while old nodes still run: ${still.join(", ")}`);
      const m = this.migrations(newImage, "green");
      this.migrationExpectations.push({ f: F.migrationsFinish, exitCodes: [0], required: ["No pending migrations to finish"] });
      this.migrationExpectations.push({ f: F.migrationsList, phase: "MigrationsFinish", image: newImage.ref, exitCodes: [0] });
      this.rec.expect(this.expectations());
      const fin = await this.rec.migration(F.migrationsFinish, newImage.ref, [], () => m.run("finish"));
      if (fin.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations finish\` with ${newImage.ref} exited ${fin.exitCode}: ${(fin.stderr || fin.stdout).trim().split("\n")[0]}`);
      this.finished = true;
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
      await this.snapshot("after-finish");
    });
  }

  // 8. The new cluster serves everything; Admin writes on it now work and reach its other nodes.
  async verifyAfterFinish(): Promise<void> {
    await this.rec.phase("AfterFinish", async () => {
      const green = this.need(this.green, "green cluster");
      for (const node of green.nodes) await this.verifyFinalState(node, green, this.shiftWorkload);
      const workload = new AdminWorkload({
        history: this.rec.history, now: () => this.rec.now(), writers: [green.admin(green.nodes[0])], cluster: "green",
        nodes: () => this.watchedNodes().filter((n) => n.cluster === "green"), intervalMs: 500, watchMs: this.propagationBoundMs * 3,
        firstCycle: (this.shiftWorkload?.nextCycle ?? 1) + 1,
      });
      workload.start();
      await new Promise((r) => setTimeout(r, 2_000));
      await workload.stop(interruptSignal().aborted);
    });
  }

  // 9. An old node against the finished datastore: the procedure says it cannot start.
  async startOldNodeAfterFinish(): Promise<void> {
    await this.rec.phase("OldNodeAfterFinish", async () => {
      const oldImage = this.need(this.oldImage, "old image");
      const inv = this.rec.history.invoke("harness", F.oldNodeStart, { image: oldImage.ref });
      let value: OldNodeStartValue;
      try {
        const node = await new KongContainer(oldImage.ref, "blue-after-finish").withDatastore(this.need(this.datastore, "datastore")).withTuning(this.tuning("blue")).withStartupTimeout(60_000).start();
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
    });
  }
}
