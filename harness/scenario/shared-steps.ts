// Steps that several procedures share, each recording into the run's history exactly as the
// blue/green procedure did: `kong migrations up` / `finish` with their expectations, the weight
// shift, the checks after finish and an old node started after finish. Phases are the caller's.
import { DEFAULT_UP_LATENCY, F, type CheckExpectations, type OldNodeStartValue, type ProbeAnswersValue } from "../checks/index.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import type { StartedKongCluster, WriteGate } from "../kong/cluster.ts";
import { KongContainer } from "../kong/kong-container.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { readClusterAccessLogs } from "../kong/admin-access-log.ts";
import { driveShift, WeightPlan } from "../traffic/index.ts";
import { interruptSignal, progress } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import { answerMatches, probeAll } from "./probes.ts";
import { ScenarioBase, ScenarioStepError } from "./scenario-base.ts";
import { describeAnswering, probeOldNodes, type OldNodeEndpoints } from "./old-node-gate.ts";
import { ParitySampler } from "./parity-sampler.ts";
import { onCleanup } from "../runtime/cleanup.ts";
import { probeColdOldNode, probeRebuiltOldNode } from "./old-node-probes.ts";
import type { StartedKongContainer } from "../kong/kong-container.ts";

/**
 * Load on the old cluster before `up`: the baseline latency old-latency-during-up compares with, and
 * long enough for complete seconds in which every old node answers the rate-limited probe (the old
 * cluster's own overshoot, which shared-rate-limit allows the seconds served by both versions).
 */
const BASELINE_LOAD_MS = 3_500;
/** Admin write cycles on the new cluster after finish: about 2 s at the 500 ms interval, however slow the machine. */
const AFTER_FINISH_CYCLES = 3;

export abstract class ScenarioSteps extends ScenarioBase {
  /** Set once `kong migrations finish` succeeded: the new cluster's Admin API may take writes. */
  protected finished = false;
  /** Every old node the harness started, with the ports it had: the finish gate probes them all. */
  private readonly oldEndpoints = new Map<string, OldNodeEndpoints>();
  /** Old-cluster latency bound during `up` (old-latency-during-up). */
  private upLatency: { multiple: number; floorMs: number } = { ...DEFAULT_UP_LATENCY };

  /** Old-cluster p99 during `up` may be at most `multiple` x the baseline p99 (never below `floorMs`). */
  withUpLatencyBound(bound: { multiple: number; floorMs?: number }): this {
    this.upLatency = { multiple: bound.multiple, floorMs: bound.floorMs ?? DEFAULT_UP_LATENCY.floorMs };
    return this;
  }

  protected override expectations(): CheckExpectations {
    return { ...super.expectations(), upLatency: this.upLatency, credentialProbes: this.runSeed.credentialProbes };
  }

  protected rememberOldNode(node: StartedKongContainer): void {
    this.oldEndpoints.set(node.name, { node: node.name, proxyUrl: node.getProxyUrl(), adminUrl: node.getAdminUrl() });
  }

  /**
   * Setup and Baseline of every upgrade: datastore and upstream up, the old image's bootstrap, the
   * old cluster started and seeded, each old node answering like the baseline.
   */
  protected async setUpOldCluster(o: { snapshot: boolean; writeGate?: () => WriteGate; check?: (ds: StartedDatastore) => void; afterBaseline?: () => Promise<void> }): Promise<void> {
    await this.rec.phase("Setup", async () => {
      const ds = await this.startInfrastructure();
      o.check?.(ds);
      const oldImage = this.need(this.oldImage, "old image");
      if (this.carriedFrom === undefined) await this.bootstrap(oldImage, "blue");
      if (o.snapshot) await this.snapshot(this.carriedFrom === undefined ? "after-bootstrap" : "before-up");
      this.blue = await this.startCluster("blue", oldImage, this.options.oldNodes, o.writeGate);
      for (const node of this.blue.nodes) this.rememberOldNode(node);
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
    await Promise.all([new Promise((r) => setTimeout(r, BASELINE_LOAD_MS)), this.measureOldClusterUnderLoad()]);
  }

  /** What the procedure measures of the old cluster under the baseline load, before `up`; nothing by default. */
  protected async measureOldClusterUnderLoad(): Promise<void> {}

  /**
   * After `up`: a cold old node reads the datastore afresh, and a running old node rebuilds its
   * router and plugins; both replay the seed probes (a damage the running nodes' caches hide).
   */
  protected async oldNodesReadAfresh(): Promise<void> {
    const oldImage = this.need(this.oldImage, "old image");
    const blue = this.need(this.blue, "blue cluster");
    const name = "blue-cold";
    const faults = [this.options.faults.blue, this.options.faults[name]].filter(Boolean).join(",");
    await probeColdOldNode({
      rec: this.rec, probes: this.probes, image: oldImage.ref, name, datastore: this.need(this.datastore, "datastore"),
      tuning: { ...this.tuning("blue"), faults: faults || undefined }, started: (node) => this.rememberOldNode(node),
    });
    await probeRebuiltOldNode(this.rec, blue, blue.nodes[0]!, this.probes, this.runSeed.workload.service);
  }

  /**
   * Refuses `kong migrations finish` while any old node answers on its proxy or Admin port (probed
   * for real, not read from the harness's list), and says which; the probe is recorded either way.
   */
  protected async guardFinish(): Promise<void> {
    for (const node of this.blue?.nodes ?? []) if (!this.oldEndpoints.has(node.name)) this.rememberOldNode(node);
    const gate = await probeOldNodes([...this.oldEndpoints.values()], new Set(this.blue?.nodes.map((n) => n.name) ?? []));
    this.rec.history.event("harness", F.oldNodeGate, gate);
    if (gate.answering.length > 0) throw new ScenarioStepError(`refusing to run \`kong migrations finish\` while old nodes still answer: ${describeAnswering(gate)}`);
  }

  /**
   * A new node is ready beside old ones: one parity sample with it now, and from the first such
   * node on, a sample every second until the old cluster is drained (response-parity). Nothing
   * when no old node serves (the in-place cut-over).
   */
  protected async sampleParityWith(node: StartedKongContainer): Promise<void> {
    if ((this.blue?.nodes.length ?? 0) === 0) return;
    if (!this.paritySampler) {
      const sampler = (this.paritySampler = new ParitySampler({
        history: this.rec.history, now: () => this.rec.now(), probes: this.probes, phase: () => this.rec.currentPhase,
        // A probe the load decides (several statuses allowed: the rate-limited one) only at readiness.
        whileServing: (p) => p.expect.length === 1,
        nodes: () => this.watchedNodes(),
        onError: (err) => this.rec.errors.push(`parity sampler stopped: ${err instanceof Error ? err.message : String(err)}`),
      }));
      onCleanup("parity sampler", () => sampler.stop());
    }
    await this.paritySampler.sampleOnce("ready", node.name);
    this.paritySampler.start();
  }

  /** The old cluster leaves: no rollback to it any more, drained, its nodes stopped gracefully. */
  protected async retireOldCluster(): Promise<void> {
    const lb = this.need(this.lb, "load balancer");
    const blue = this.need(this.blue, "blue cluster");
    lb.promote();
    await lb.drain("blue", { timeoutMs: 30_000 });
    // Both clusters served until here: parity samples end with the drain.
    await this.paritySampler?.stop();
    for (const node of [...blue.nodes]) {
      await lb.removeNode(node.name);
      await this.stopRetiredNode(blue, node);
    }
  }

  /** A drained old node leaves the cluster: stopped gracefully. */
  protected async stopRetiredNode(cluster: StartedKongCluster, node: StartedKongContainer): Promise<void> {
    await cluster.removeNode(node, true);
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
    // What reached the new nodes' Admin API before finish, from their own access logs (no-new-admin-writes-before-finish).
    this.rec.history.event("harness", F.adminAccessLog, await readClusterAccessLogs("green", this.green?.nodes ?? [], (epochMs) => epochMs - this.rec.clockOriginEpochMs));
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
      ...this.workloadOptions(), writers: [green.admin(green.nodes[0])], cluster: "green",
      nodes: () => this.watchedNodes().filter((n) => n.cluster === "green"), intervalMs: 500,
      firstCycle: (before?.nextCycle ?? 1) + 1,
    });
    workload.start();
    await workload.cycles(AFTER_FINISH_CYCLES, 30_000, interruptSignal());
    await workload.stop(interruptSignal().aborted);
  }

  /** An old node against the finished datastore: records whether it refused, or what it served. */
  protected async oldNodeAfterFinishSteps(): Promise<void> {
    const oldImage = this.need(this.oldImage, "old image");
    const inv = this.rec.history.invoke("harness", F.oldNodeStart, { image: oldImage.ref });
    let value: OldNodeStartValue;
    // Recorded once old-node-start has completed: "harness" has one open invocation at a time.
    let probed: { value: ProbeAnswersValue; node: string } | undefined;
    try {
      const node = await new KongContainer(oldImage.ref, "blue-after-finish").withDatastore(this.need(this.datastore, "datastore")).withTuning(this.oldNodeAfterFinishTuning()).withStartupTimeout(60_000).start();
      try {
        const { answers } = await probeAll(node.getProxyUrl(), this.probes);
        const correct = answers.filter((a, i) => answerMatches(this.probes[i]!, a)).length;
        probed = { node: node.name, value: {
          node: node.name, cluster: "blue", purpose: "old-after-finish",
          answers: answers.map((a) => ({ probe: a.probe, status: a.status, fromUpstream: a.fromUpstream, ...(a.error ? { error: a.error } : {}) })),
        } satisfies ProbeAnswersValue };
        value = { exitCode: null, started: true, logs: (await node.logs(40)).slice(-4000), servesCorrectly: correct === answers.length, baseline: { correct, total: answers.length }, image: oldImage.ref, version: oldImage.version };
      } finally {
        await node.stop(false);
      }
    } catch (err) {
      if (!(err instanceof KongNodeExitedError)) throw err;
      value = { exitCode: err.exitCode, started: false, logs: `${err.stdout}\n${err.stderr}`.trim().slice(-4000), image: oldImage.ref, version: oldImage.version };
    }
    this.rec.history.ok(inv, value);
    if (probed) this.rec.history.event("harness", F.probeAnswers, probed.value, { node: probed.node });
  }
}
