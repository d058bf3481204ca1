// The blue/green upgrade procedure (Kong's "Upgrade from 1.0.x - 2.5.x to 2.6.x", Postgres), one
// method per step, so a scenario file reads like the procedure. Every step records into the run's
// history; the checks judge it afterwards and the report is always written.
import { Network, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { F, type CheckExpectations, type MigrationExpectation, type OldNodeStartValue } from "../checks/index.ts";
import { CassandraDatastore } from "../datastore/cassandra.ts";
import { PostgresDatastore } from "../datastore/postgres.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError } from "../errors.ts";
import { KongCluster, type StartedKongCluster } from "../kong/cluster.ts";
import { KongContainer, type KongTuning, type StartedKongContainer } from "../kong/kong-container.ts";
import { resolveKongImage, type KongImage } from "../kong/kong-image.ts";
import { KongMigrations } from "../kong/migrations.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { startAttack, type AttackRun } from "../load/vegeta.ts";
import type { Report } from "../report/index.ts";
import { onCleanup, runCleanup } from "../runtime/cleanup.ts";
import { labImage } from "../runtime/lab-state.ts";
import { driveShift, JsonlRequestSink, LoadBalancer, WeightPlan, type StartedLoadBalancer } from "../traffic/index.ts";
import { AdminWorkload, type WatchedNode } from "./admin-workload.ts";
import { answerMatches, probeAll, sendProbe, waitUntilServing } from "./probes.ts";
import { RunRecorder } from "./run-recorder.ts";
import type { RunOptions } from "./run-options.ts";
import { SEED_PROBES, SEED_RATE_LIMITS, seedConfiguration } from "./seed.ts";
import { startEchoUpstream } from "./upstream.ts";
import { interruptReason, interruptSignal, setActiveRun } from "./active-run.ts";
import { join } from "node:path";

const MARGIN_MS = 2_000;

export class ScenarioStepError extends HarnessError {
  override name = "ScenarioStepError";
  override readonly code = "KH_ERR_SCENARIO_STEP";
}

/** The shared datastore of a run, from the lab's images. */
export async function startDatastore(strategy: "postgres" | "cassandra", network: StartedNetwork): Promise<StartedDatastore> {
  return strategy === "postgres" ? new PostgresDatastore(labImage("postgres")).start(network) : new CassandraDatastore(labImage("cassandra")).start(network);
}

export class UpgradeScenario {
  readonly rec: RunRecorder;
  private network?: StartedNetwork;
  private datastore?: StartedDatastore;
  private upstream?: StartedTestContainer;
  private oldImage?: KongImage;
  private newImage?: KongImage;
  private blue?: StartedKongCluster;
  private green?: StartedKongCluster;
  private lb?: StartedLoadBalancer;
  private sink?: JsonlRequestSink;
  private load?: AttackRun;
  private finished = false;
  private tornDown?: Promise<Report>;
  private shiftWorkload?: AdminWorkload;
  private readonly migrationExpectations: MigrationExpectation[] = [];

  constructor(readonly name: string, readonly options: RunOptions) {
    this.rec = new RunRecorder(name, options.reportDir ?? RunRecorder.defaultDir(name));
    setActiveRun(this);
  }

  private tuning(cluster: "blue" | "green"): KongTuning {
    return { dbUpdateFrequencyS: this.options.dbUpdateFrequencyS, dbUpdatePropagationS: this.options.dbUpdatePropagationS, faults: this.options.faults[cluster] };
  }

  private nodeFaults(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.options.faults).filter(([k]) => k !== "blue" && k !== "green"));
  }

  private get propagationBoundMs(): number {
    return (this.options.dbUpdateFrequencyS + this.options.dbUpdatePropagationS) * 1000 + MARGIN_MS;
  }

  private expectations(): CheckExpectations {
    const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
    return {
      baseline: Object.fromEntries(SEED_PROBES.map((p) => [p.name, p.expect])),
      nodes: { blue: names("blue", this.options.oldNodes), green: names("green", this.options.newNodes) },
      shiftPlan: this.options.steps, propagationBoundMs: this.propagationBoundMs,
      migrations: this.migrationExpectations, oldImage: this.options.oldImage, newImage: this.options.newImage,
      rateLimits: SEED_RATE_LIMITS, clockOriginEpochMs: this.rec.clockOriginEpochMs,
    };
  }

  private migrations(image: KongImage, cluster: "blue" | "green"): KongMigrations {
    return new KongMigrations(image.ref, this.need(this.datastore, "datastore"), this.tuning(cluster));
  }

  private need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new ScenarioStepError(`${what} is not set up: an earlier step did not run`);
    return v;
  }

  // 1. Shared datastore up; old cluster bootstrapped, started, seeded; baseline recorded.
  async setUp(): Promise<void> {
    await this.rec.phase("Setup", async () => {
      this.oldImage = await resolveKongImage(this.options.oldImage);
      this.newImage = await resolveKongImage(this.options.newImage);
      this.rec.images = [
        { role: "old", ref: this.oldImage.ref, id: this.oldImage.id, standin: this.oldImage.standin, version: this.oldImage.version },
        { role: "new", ref: this.newImage.ref, id: this.newImage.id, standin: this.newImage.standin, version: this.newImage.version },
      ];
      this.rec.versions = { old: this.oldImage.version, new: this.newImage.version };
      this.rec.expect(this.expectations());
      this.network = await new Network().start();
      const network = this.network;
      onCleanup("network", () => network.stop().then(() => undefined));
      this.datastore = await startDatastore(this.options.datastore, network);
      const ds = this.datastore;
      onCleanup("datastore", () => ds.stop());
      this.rec.images.push({ role: "datastore", ref: ds.image, standin: false });
      this.upstream = await startEchoUpstream(network);
      const up = this.upstream;
      onCleanup("upstream", () => up.stop().then(() => undefined));
      this.migrationExpectations.push({ f: F.migrationsBootstrap, exitCodes: [0] });
      const boot = await this.rec.migration(F.migrationsBootstrap, this.oldImage.ref, [], () => this.migrations(this.oldImage!, "blue").run("bootstrap"));
      if (boot.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations bootstrap\` with ${this.oldImage.ref} exited ${boot.exitCode}: ${boot.stderr.trim().split("\n")[0]}`);
      await this.snapshot("after-bootstrap");
      this.blue = await new KongCluster("blue", this.oldImage.ref, this.options.oldNodes).withTuning(this.tuning("blue")).withNodeFaults(this.nodeFaults()).start(ds);
      const blue = this.blue;
      onCleanup("blue cluster", () => blue.stop(false));
      await seedConfiguration(blue.admin());
      // The seeded configuration is judged through what it serves: one entity per probe.
      this.rec.history.event("seeder", F.seed, { entities: SEED_PROBES.map((p) => `probe/${p.name}`) });
    });
    await this.rec.phase("Baseline", async () => {
      for (const node of this.need(this.blue, "blue cluster").nodes) {
        const served = await waitUntilServing(node.getProxyUrl(), SEED_PROBES, this.propagationBoundMs * 3);
        if (!served.ok) throw new ScenarioStepError(`old node "${node.name}" does not answer the seeded configuration as expected: ${served.last.map((a) => `${a.probe} got ${a.status ?? a.error}`).join(", ")}`);
      }
    });
  }

  // 2. Load through the load balancer, from now until the end of the run.
  async startLoad(): Promise<void> {
    const blue = this.need(this.blue, "blue cluster");
    this.sink = new JsonlRequestSink(join(this.rec.runDir, "requests.jsonl"));
    this.lb = await new LoadBalancer().withClock(this.rec.clock).withSink(this.sink)
      .withNodes("blue", blue.nodes.map((n) => ({ name: n.name, url: n.getProxyUrl() })))
      .withBaseline(Object.fromEntries(SEED_PROBES.map((p) => [p.name, p.expect])))
      .withErrorBudget({ maxFailures: 50 })
      .start();
    const lb = this.lb;
    onCleanup("load balancer", () => lb.stop());
    this.load = startAttack({
      targets: SEED_PROBES.map((p) => ({ name: p.name, method: p.method, url: `${lb.url}${p.path}`, headers: p.headers, ...(p.method === "POST" ? { body: "{}" } : {}) })),
      ratePerSecond: this.options.rate, durationMs: 60 * 60_000, timeoutMs: 15_000,
      onResult: () => undefined,
    });
    const load = this.load;
    onCleanup("load", async () => { load.stop(); await load.done.catch(() => undefined); });
  }

  // 3. `kong migrations up` with the new image, while the old cluster serves.
  async migrationsUp(): Promise<void> {
    await this.rec.phase("MigrationsUp", async () => {
      const newImage = this.need(this.newImage, "new image");
      const m = this.migrations(newImage, "green");
      const before = await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
      const hasNew = before.exitCode === 5;
      this.migrationExpectations.push({ f: F.migrationsList, phase: "MigrationsUp", image: newImage.ref, exitCodes: [0, 4, 5] });
      let up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
      this.migrationExpectations.push({ f: F.migrationsUp, exitCodes: [0], required: hasNew ? ["migrations processed", "executed"] : ["Database is already up-to-date"] });
      // An operator whose `up` died re-runs it once; migrations are meant to be re-runnable.
      if (up.exitCode !== 0) up = await this.rec.migration(F.migrationsUp, newImage.ref, [], () => m.run("up"));
      if (up.exitCode !== 0) throw new ScenarioStepError(`\`kong migrations up\` with ${newImage.ref} exited ${up.exitCode}: ${(up.stderr || up.stdout).trim().split("\n")[0]}`);
      const leftPending = /^\d+ pending$/m.test(up.stdout);
      const after = await this.rec.migration(F.migrationsList, newImage.ref, [], () => m.run("list"));
      void after;
      this.migrationExpectations.push({ f: F.migrationsList, phase: "MigrationsUp", image: newImage.ref, exitCodes: [0, 4, 5] });
      this.migrationExpectations.push({ f: F.migrationsList, phase: "GreenStart", image: newImage.ref, exitCodes: leftPending ? [4] : [0] });
      await this.rec.migration(F.migrationsList, this.need(this.oldImage, "old image").ref, [], () => this.migrations(this.oldImage!, "blue").run("list"));
      await this.snapshot("after-up");
      this.rec.expect(this.expectations());
    });
  }

  // 4. New nodes start beside the old ones; ready only when they answer like the baseline.
  async startGreen(): Promise<void> {
    await this.rec.phase("GreenStart", async () => {
      const newImage = this.need(this.newImage, "new image");
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green").run("list"));
      this.green = await new KongCluster("green", newImage.ref, this.options.newNodes).withTuning(this.tuning("green")).withNodeFaults(this.nodeFaults())
        .start(this.need(this.datastore, "datastore"), () => ({ allowed: this.finished, reason: "the procedure allows Admin API writes on the new cluster only after `kong migrations finish`" }));
      const green = this.green;
      onCleanup("green cluster", () => green.stop(false));
      for (const node of green.nodes) {
        const served = await waitUntilServing(node.getProxyUrl(), SEED_PROBES, this.propagationBoundMs * 3);
        const mismatches = served.last.map((a) => `${a.probe} got ${a.status ?? a.error}`);
        this.rec.history.event("harness", F.nodeReady, { node: node.name, cluster: "green", ready: served.ok, mismatches });
        if (!served.ok) throw new ScenarioStepError(`new node "${node.name}" does not answer like the baseline: ${mismatches.join(", ")}`);
        this.need(this.lb, "load balancer").addNode("green", { name: node.name, url: node.getProxyUrl() });
      }
    });
  }

  private watchedNodes(): WatchedNode[] {
    const w = (c: StartedKongCluster | undefined): WatchedNode[] => (c?.nodes ?? []).map((n) => ({ name: n.name, cluster: c!.name, proxyUrl: () => n.getProxyUrl() }));
    return [...w(this.blue), ...w(this.green)];
  }

  // 5. Weights shift old -> new in steps; Admin writes go to the old cluster only, watched everywhere.
  async shift(): Promise<void> {
    await this.rec.phase("Shift", async () => {
      const lb = this.need(this.lb, "load balancer");
      const blue = this.need(this.blue, "blue cluster");
      const workload = new AdminWorkload({
        history: this.rec.history, now: () => this.rec.now(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue",
        nodes: () => this.watchedNodes(), intervalMs: 1_500, watchMs: this.propagationBoundMs * 3,
      });
      this.shiftWorkload = workload;
      workload.start();
      const plan = WeightPlan.of(this.options.steps, { holdMs: this.options.holdMs });
      let stepIndex = -1;
      let stepOp: ReturnType<typeof this.rec.history.invoke> | undefined;
      let status: Awaited<ReturnType<typeof driveShift>>;
      try {
        status = await driveShift({
          lb, plan, signal: interruptSignal(),
          verdict: () => (lb.breach ? "fail" : "pass"),
          onTick: (_s, action) => {
            if (action.kind === "setWeights") stepOp = this.rec.history.invoke("shift", F.step, { index: ++stepIndex, greenWeight: action.green });
          },
          onApplied: () => {
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
      for (const node of green.nodes) await this.verifyFinalState(node, green);
      const workload = new AdminWorkload({
        history: this.rec.history, now: () => this.rec.now(), writers: [green.admin(green.nodes[0])], cluster: "green",
        nodes: () => this.watchedNodes().filter((n) => n.cluster === "green"), intervalMs: 500, watchMs: this.propagationBoundMs * 3,
        firstCycle: (this.shiftWorkload?.nextCycle ?? 1) + 1,
      });
      workload.start();
      await new Promise((r) => setTimeout(r, 2_000));
      await workload.stop();
    });
  }

  /** Records one `verify-entity` op per seeded probe and per entity the shift's writes left behind. */
  private async verifyFinalState(node: StartedKongContainer, cluster: StartedKongCluster): Promise<void> {
    const record = (entity: string, seen: string, matches: boolean): void => {
      this.rec.history.event("verifier", F.verifyEntity, { entity, cluster: cluster.name, seen, matches }, { node: node.name });
    };
    const { answers } = await probeAll(node.getProxyUrl(), SEED_PROBES);
    answers.forEach((a, i) => record(`probe/${SEED_PROBES[i]!.name}`, `status ${a.status ?? a.error}`, answerMatches(SEED_PROBES[i]!, a)));
    const admin = cluster.admin(node);
    for (const [entity, state] of this.shiftWorkload?.finalStates ?? []) {
      if ("proxy" in state) {
        const a = await sendProbe(node.getProxyUrl(), state.proxy.probe);
        record(entity, `status ${a.status ?? a.error}`, a.status === state.proxy.status);
      } else {
        const r = await admin.get(state.adminPath);
        record(entity, `Admin API GET ${state.adminPath}: ${r.status}`, r.status === 200);
      }
    }
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

  private async snapshot(label: string): Promise<void> {
    const ds = this.need(this.datastore, "datastore");
    this.rec.history.event("datastore", F.schemaSnapshot, { label, snapshot: await ds.snapshot() });
    this.rec.history.event("datastore", F.schemaMeta, { label, rows: (await ds.schemaMeta()) ?? [] });
  }

  /** Stops load, writes the report, removes every container. Always runs (mocha `after`). */
  async tearDown(interrupted: string | undefined = interruptReason()): Promise<Report> {
    if (this.tornDown) return this.tornDown;
    this.tornDown = this.doTearDown(interrupted);
    setActiveRun(undefined);
    return this.tornDown;
  }

  private async doTearDown(interrupted?: string): Promise<Report> {
    if (this.load) {
      this.load.stop();
      const summary = await this.load.done.catch((err: unknown) => { this.rec.errors.push(`load: ${String(err)}`); return undefined; });
      if (summary) this.rec.history.event("load", F.loadSummary, { requests: summary.requests, statusCounts: summary.statusCounts, errors: summary.errors, aborted: summary.aborted });
      this.load = undefined;
    }
    await this.lb?.stop().catch((err: unknown) => this.rec.errors.push(`load balancer: ${String(err)}`));
    await this.sink?.close().catch((err: unknown) => this.rec.errors.push(`requests.jsonl: ${String(err)}`));
    const report = await this.rec.report(interrupted);
    this.rec.errors.push(...(await runCleanup()));
    return report;
  }
}
