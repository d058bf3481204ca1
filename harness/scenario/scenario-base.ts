// What every scenario shares, whatever the procedure: the run's recorder, images, network,
// datastore, echo upstream, Kong clusters, load balancer and load, and a teardown that always
// writes the report and removes every container.
import { join } from "node:path";
import { Network, type StartedNetwork } from "testcontainers";
import { BLUE_GREEN_CHECKS, F, type ConfigurationValue, type Check, type CheckExpectations, type MigrationExpectation } from "../checks/index.ts";
import { CassandraDatastore } from "../datastore/cassandra.ts";
import { PostgresDatastore, StartedPostgresDatastore } from "../datastore/postgres.ts";
import { resolvePgAuth, type PgAuth } from "../datastore/postgres-auth.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError, InvalidConfigError, OutsideUpgradeError } from "../errors.ts";
import { atLeast, parseVersion } from "../plan/version.ts";
import { KongCluster, type NodeEnv, type StartedKongCluster, type WriteGate } from "../kong/cluster.ts";
import type { KongTuning, StartedKongContainer } from "../kong/kong-container.ts";
import { resolveKongImage, type KongImage } from "../kong/kong-image.ts";
import { unmodelledPluginsProblem } from "../kong/standin-plugins.ts";
import { KongMigrations } from "../kong/migrations.ts";
import { watchStatusReady } from "../kong/status-watch.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { AttackFailedError, startAttack, type AttackRun } from "../load/vegeta.ts";
import type { ImageUse, Report, ReportInput } from "../report/index.ts";
import { onCleanup, runCleanup } from "../runtime/cleanup.ts";
import { labImage } from "../runtime/lab-state.ts";
import { JsonlRequestSink, LoadBalancer, type BackendNode, type HealthCheckOptions, type StartedLoadBalancer } from "../traffic/index.ts";
import { interruptReason, progress, registerRun } from "./active-run.ts";
import type { AdminWorkload, AdminWorkloadOptions, WatchedNode } from "./admin-workload.ts";
import { answerMatches, describeMismatch, probeAll, sendProbe, waitUntilServing, type ProbeAnswer } from "./probes.ts";
import type { ParitySampler } from "./parity-sampler.ts";
import { bootstrapRefusal, nodeStartRefusal } from "./outside-upgrade.ts";
import { RunRecorder } from "./run-recorder.ts";
import { imageKind, standinOnlyProblems, type ImageKind } from "./standin-only-options.ts";
import type { RunOptions } from "./run-options.ts";
import type { Probe } from "./seed.ts";
import { attackOptionsOf, compileProfile, profileProbes } from "../load/profile.ts";
import { DEFAULT_PROFILE } from "../load/default-profile.ts";
import { BUILT_IN_SEED, configSeed, type RunSeed } from "./run-seed.ts";
import { learnBaseline } from "./baseline-learning.ts";
import { startEchoUpstream } from "./upstream.ts";

/** Added to db_update_frequency + db_update_propagation: the verifier's own polling and the request time. */
const MARGIN_MS = 2_000;
/** Kong 3.x's default `worker_state_update_frequency` (5 s). */
const WORKER_STATE_UPDATE_FREQUENCY_MS = 5_000;
/**
 * How often each nginx worker of a Kong node polls its worker events (`interval = 1` in
 * kong/global.lua's init_worker_events, 1.x to 3.x): a write made through a node's Admin API is
 * current at once in the worker that served it, and in the node's other workers up to this later.
 */
const WORKER_EVENTS_INTERVAL_MS = 1_000;

export class ScenarioStepError extends HarnessError {
  override name = "ScenarioStepError";
  override readonly code = "KH_ERR_SCENARIO_STEP";
}

/**
 * The shared datastore of a run, from the lab's images; Postgres asks for `pgAuth` (md5 unless told).
 * A datastore that does not start is outside the upgrade (OutsideUpgradeError); a lab without its
 * image is an EnvironmentError.
 */
export async function startDatastore(strategy: "postgres" | "cassandra", network: StartedNetwork, pgAuth: PgAuth = "md5"): Promise<StartedDatastore> {
  const image = labImage(strategy);
  try {
    return strategy === "postgres" ? await new PostgresDatastore(image).withAuth(pgAuth).start(network) : await new CassandraDatastore(image).start(network);
  } catch (err) {
    throw new OutsideUpgradeError(`the ${strategy} datastore (${image}) did not start: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, { cause: err });
  }
}

/** How the report describes a datastore: its image and, for Postgres, the authentication it asks for. */
export function datastoreImageUse(ds: StartedDatastore): ImageUse {
  return { role: "datastore", ref: ds.image, standin: false, ...(ds instanceof StartedPostgresDatastore ? { auth: ds.auth } : {}) };
}

export abstract class ScenarioBase {
  readonly rec: RunRecorder;
  protected network?: StartedNetwork;
  protected datastore?: StartedDatastore;
  protected oldImage?: KongImage;
  protected newImage?: KongImage;
  protected blue?: StartedKongCluster;
  protected green?: StartedKongCluster;
  protected lb?: StartedLoadBalancer;
  protected sink?: JsonlRequestSink;
  protected load?: AttackRun;
  /** Sends the seed probes to old and new nodes at once while both clusters serve (response-parity). */
  protected paritySampler?: ParitySampler;
  /** Baseline gates running beside the scenario (`--readiness status`). */
  private readonly gates: Promise<void>[] = [];
  protected readonly migrationExpectations: MigrationExpectation[] = [];
  private tornDown?: Promise<Report>;
  /** Leaves the runs an interrupt tears down (at the end of teardown). */
  private readonly unregister: () => void;
  /** A datastore started by someone else (a test, a multi-hop path): used, never stopped. */
  private sharedDatastore?: StartedDatastore;
  /** What the old cluster is seeded with: the built-in configuration, or the user's (`--config`). */
  protected runSeed: RunSeed = BUILT_IN_SEED;
  /** The run's probes, with the answers the baseline expects (learned from the old cluster for a user's configuration). */
  protected probes: readonly Probe[] = BUILT_IN_SEED.probes;

  constructor(readonly name: string, readonly options: RunOptions, checks: readonly Check[] = BLUE_GREEN_CHECKS) {
    this.rec = new RunRecorder(name, options.reportDir ?? RunRecorder.defaultDir(name), options.stepSummaryPath, checks, options.accept);
    this.unregister = registerRun(this);
  }

  /** Runs on a datastore that is already up (its network too) and leaves it running at teardown. */
  withDatastore(datastore: StartedDatastore): this { this.sharedDatastore = datastore; return this; }

  /**
   * The datastore already holds the seeded configuration, migrated by an earlier hop of a path
   * (`from` names it): the old cluster neither bootstraps nor seeds, it serves what was carried.
   */
  withCarriedData(from: string): this { this.carriedFrom = from; return this; }

  /** Set by withCarriedData: which earlier hop left the data this run starts from. */
  protected carriedFrom?: string;

  protected tuning(cluster: "blue" | "green"): KongTuning {
    return { dbUpdateFrequencyS: this.options.dbUpdateFrequencyS, dbUpdatePropagationS: this.options.dbUpdatePropagationS, faults: this.options.faults[cluster] };
  }

  /**
   * The old node started after finish gets the old cluster's switches and its own ("blue-after-finish"),
   * so a switch can be aimed at it alone without changing the old nodes that serve during the shift.
   */
  protected oldNodeAfterFinishTuning(): KongTuning {
    const faults = [this.options.faults.blue, this.options.faults["blue-after-finish"]].filter(Boolean).join(",");
    return { ...this.tuning("blue"), faults: faults || undefined };
  }

  private nodeFaults(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.options.faults).filter(([k]) => k !== "blue" && k !== "green"));
  }

  /**
   * Kong 3.x (`worker_consistency = eventual`) rebuilds its router and plugins iterator on a timer
   * after the invalidation event arrives, so a write can take that much longer to show there.
   */
  protected get rebuildDelayMs(): number {
    const versions = [this.oldImage?.version, this.newImage?.version].filter((x): x is string => x !== undefined);
    const eventual = versions.some((x) => { const parsed = parseVersion(x); return parsed !== undefined && atLeast(parsed, "3.0.0"); });
    return eventual ? WORKER_STATE_UPDATE_FREQUENCY_MS : 0;
  }

  protected get propagationBoundMs(): number {
    return (this.options.dbUpdateFrequencyS + this.options.dbUpdatePropagationS) * 1000 + this.rebuildDelayMs + MARGIN_MS;
  }

  /**
   * What every Admin workload of a run shares, whatever cluster it writes to: the run's history and
   * clock, the propagation timing, and key rotation (on unless `--no-revoke-credentials`).
   */
  protected workloadOptions(): Pick<AdminWorkloadOptions, "history" | "now" | "rebuildDelayMs" | "watchMs" | "revokeCredentials" | "fixture"> {
    return {
      history: this.rec.history, now: () => this.rec.now(), rebuildDelayMs: this.rebuildDelayMs,
      watchMs: this.propagationBoundMs * 3, revokeCredentials: this.options.revokeCredentials, fixture: this.runSeed.workload,
    };
  }

  /** What the checks expect of this run; written at the start and again whenever it grows. */
  protected expectations(): CheckExpectations {
    const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
    return {
      baseline: Object.fromEntries(this.probes.map((p) => [p.name, p.expect])),
      answeredByKong: this.probes.filter((p) => p.expect.includes(200) && !p.fromUpstream).map((p) => p.name),
      nodes: { blue: names("blue", this.options.oldNodes), green: names("green", this.options.newNodes) },
      shiftPlan: this.options.steps, propagationBoundMs: this.propagationBoundMs, propagationDelayMs: this.propagationBoundMs - MARGIN_MS,
      migrations: this.migrationExpectations, oldImage: this.options.oldImage, newImage: this.options.newImage,
      versions: { ...(this.oldImage ? { old: this.oldImage.version } : {}), ...(this.newImage ? { new: this.newImage.version } : {}) },
      rateLimits: this.runSeed.rateLimits, clockOriginEpochMs: this.rec.clockOriginEpochMs, checks: this.rec.checks.map((c) => c.id),
    };
  }

  protected migrations(image: KongImage, cluster: "blue" | "green", datastore = this.need(this.datastore, "datastore")): KongMigrations {
    return new KongMigrations(image.ref, datastore, this.tuning(cluster));
  }

  protected need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new ScenarioStepError(`${what} is not set up: an earlier step did not run`);
    return v;
  }

  /** Images resolved and recorded; network, datastore and echo upstream started. */
  protected async startInfrastructure(): Promise<StartedDatastore> {
    // Before anything starts (no pull, no container): options a real Kong image would silently ignore are refused.
    const refused = this.standinOnlyProblems(await imageKind(this.options.oldImage), await imageKind(this.options.newImage));
    if (refused.length) throw new InvalidConfigError(refused);
    this.oldImage = await resolveKongImage(this.options.oldImage);
    this.newImage = await resolveKongImage(this.options.newImage);
    this.rec.images = [
      { role: "old", ref: this.oldImage.ref, id: this.oldImage.id, standin: this.oldImage.standin, version: this.oldImage.version },
      { role: "new", ref: this.newImage.ref, id: this.newImage.id, standin: this.newImage.standin, version: this.newImage.version },
    ];
    this.rec.versions = { old: this.oldImage.version, new: this.newImage.version };
    if (this.options.config !== undefined) await this.useConfiguration(this.options.config);
    // A replayed access log's request shapes are probes too: baselined on the old cluster like the rest.
    if (this.options.load) this.probes = [...this.probes, ...profileProbes(this.options.load.profile)];
    if (this.options.config !== undefined || this.options.load !== undefined) {
      this.rec.history.event("harness", F.configuration, {
        file: this.options.config ?? null, loadProfile: this.options.load?.file ?? null,
        probes: this.probes.length, plugins: this.runSeed.plugins, notes: this.runSeed.notes,
      } satisfies ConfigurationValue);
    }
    this.rec.expect(this.expectations());
    const ds = (this.datastore = this.sharedDatastore ?? await this.startOwnDatastoreAndUpstream());
    this.network = ds.network;
    this.rec.images.push(datastoreImageUse(ds));
    if (this.sharedDatastore) await this.startUpstream(ds.network);
    return ds;
  }

  private async startUpstream(network: StartedNetwork): Promise<void> {
    const upstream = await startEchoUpstream(network);
    onCleanup("upstream", () => upstream.stop().then(() => undefined));
  }

  /**
   * The user's configuration, read and checked against the old version before any container
   * starts (exit 2 on a malformed file, a field that version does not know, or a plugin a stand-in
   * image does not model); its secrets are redacted from every report file from now on.
   */
  private async useConfiguration(file: string): Promise<void> {
    const oldImage = this.need(this.oldImage, "old image");
    const seed = (this.runSeed = await configSeed(file, oldImage.version));
    this.probes = seed.probes;
    this.rec.redact(seed.secrets);
    const refused = [this.oldImage, this.newImage].flatMap((image) => (image?.standin ? unmodelledPluginsProblem(image.ref, image.labels, seed.plugins, file) ?? [] : []));
    if (refused.length) throw new InvalidConfigError([...new Set(refused)]);
    progress().note(`configuration ${file}: ${seed.probes.length} probes for its routes, plugins ${seed.plugins.join(", ") || "none"}`);
  }

  /** Options of this run that only a stand-in image understands, aimed at a real one (one line each). */
  protected standinOnlyProblems(oldImage: ImageKind, newImage: ImageKind): string[] {
    return standinOnlyProblems(this.options.faults, { old: oldImage, new: newImage });
  }

  /** The authentication the run's own Postgres asks for: `--pg-auth`, or for auto what both images can speak. */
  protected pgAuth(): PgAuth {
    return resolvePgAuth(this.options.pgAuth ?? "auto", [this.oldImage?.version, this.newImage?.version].filter((x): x is string => x !== undefined));
  }

  /** The datastore and the echo upstream start side by side (neither needs the other): a second less per run. */
  private async startOwnDatastoreAndUpstream(): Promise<StartedDatastore> {
    const network = await new Network().start();
    onCleanup("network", () => network.stop().then(() => undefined));
    const [datastore, upstream] = await Promise.allSettled([
      startDatastore(this.options.datastore, network, this.pgAuth()).then((ds) => (onCleanup("datastore", () => ds.stop()), ds)),
      this.startUpstream(network),
    ]);
    if (datastore.status === "rejected") throw datastore.reason;
    if (upstream.status === "rejected") throw upstream.reason;
    return datastore.value;
  }

  /** `kong migrations bootstrap` with an image; fails the step unless it exits 0. */
  protected async bootstrap(image: KongImage, cluster: "blue" | "green", datastore?: StartedDatastore): Promise<void> {
    this.migrationExpectations.push({ f: F.migrationsBootstrap, exitCodes: [0] });
    const boot = await this.rec.migration(F.migrationsBootstrap, image.ref, [], () => this.migrations(image, cluster, datastore).run("bootstrap"));
    if (boot.exitCode === 0) return;
    // A datastore the image cannot reach or log in to says nothing about the upgrade.
    throw bootstrapRefusal(image, boot) ?? new ScenarioStepError(`\`kong migrations bootstrap\` with ${image.ref} exited ${boot.exitCode}: ${boot.stderr.trim().split("\n")[0]}`);
  }

  protected async startCluster(name: "blue" | "green", image: KongImage, nodes: number, writeGate?: () => WriteGate, datastore = this.need(this.datastore, "datastore")): Promise<StartedKongCluster> {
    let cluster: StartedKongCluster;
    try {
      cluster = await new KongCluster(name, image.ref, nodes).withTuning(this.tuning(name)).withNodeFaults(this.nodeFaults()).withNodeEnv(this.nodeEnv()).start(datastore, writeGate);
    } catch (err) {
      if (err instanceof KongNodeExitedError) {
        this.rec.history.event("harness", F.nodeLog, { node: err.node, image: image.ref, reason: `exited with code ${err.exitCode} at start`, excerpt: `${err.stdout}\n${err.stderr}`.trim().slice(-4000) });
        // The old cluster starts only in setup, on the datastore its own bootstrap just made: before any upgrade step.
        throw nodeStartRefusal(image, err, name === "blue" && this.carriedFrom === undefined) ?? err;
      }
      throw err;
    }
    onCleanup(`${name} cluster`, () => cluster.stop(false));
    return cluster;
  }

  /** Per-node KONG_* variables (the chaos scenario routes each node to the datastore through Toxiproxy); none by default. */
  protected nodeEnv(): NodeEnv | undefined { return undefined; }

  /** The load balancer's settings beyond weights, baseline and sink; a chaos scenario adds health checks and retries. */
  /**
   * Health checks as `--readiness` says, in HAProxy's terms: `status` checks `GET /status` on each
   * node's Admin API (what a production load balancer or a Kubernetes readiness probe acts on);
   * `baseline` checks a seeded route on the proxy, answered 200 only once the node serves the seed.
   */
  protected configureLoadBalancer(lb: LoadBalancer): LoadBalancer {
    return lb.withErrorBudget({ maxFailures: 50 })
      .withHealthCheck(this.options.readiness === "status" ? { ...HEALTH_CHECK_TIMING, path: "/status", port: "admin" } : this.seededRouteHealthCheck());
  }

  /** HAProxy's checks on the seed's health route through the proxy: a node passes once it serves the seed. */
  protected seededRouteHealthCheck(): HealthCheckOptions {
    return { ...HEALTH_CHECK_TIMING, path: this.runSeed.healthPath };
  }

  /** Seeds the configuration through a cluster's Admin API; it is judged through what it serves. */
  protected async seed(cluster: StartedKongCluster): Promise<void> {
    if (this.carriedFrom === undefined) {
      await this.runSeed.seed(cluster.admin(), this.need(this.oldImage, "old image").version);
      // Probes may reach a worker that is already current while another still runs the configuration
      // from before the seed: the baseline is taken once every worker has polled the seed's events.
      await new Promise((r) => setTimeout(r, WORKER_EVENTS_INTERVAL_MS + 250));
    }
    if (this.runSeed.learnsBaseline || this.probes.some((p) => p.expect.length === 0)) await this.learnBaselineOn(cluster);
    // Carried data: nothing is written; the checks judge the carried entities exactly as if seeded here.
    this.rec.history.event("seeder", F.seed, { entities: this.probes.map((p) => `probe/${p.name}`), ...(this.carriedFrom !== undefined ? { carriedFrom: this.carriedFrom } : {}) });
  }

  /** The probes' expected answers, as the old cluster's first node gives them now (baseline-learning.ts). */
  private async learnBaselineOn(cluster: StartedKongCluster): Promise<void> {
    const node = this.need(cluster.nodes[0], "old node");
    // The built-in seed's probes keep what they expect; only the probes without an expectation (a replay's) are learned beside them.
    const toLearn = this.runSeed.learnsBaseline ? this.probes : this.probes.filter((p) => p.expect.length === 0);
    const learned = await learnBaseline(node.getProxyUrl(), toLearn);
    this.probes = [...this.probes.filter((p) => !toLearn.includes(p)), ...learned.probes];
    this.rec.history.event("harness", F.baselineLearned, { node: node.name, probes: learned.probes.length, differs: learned.differs, dropped: learned.dropped });
    if (learned.probes.length === 0) throw new ScenarioStepError(`the old cluster answered none of the configuration's probes without a server error: ${learned.dropped.slice(0, 3).join("; ")}`);
    progress().note(`baseline learned on ${node.name}: ${learned.probes.length} probes${learned.dropped.length ? `, ${learned.dropped.length} left out (the old cluster cannot serve them)` : ""}`);
    this.rec.expect(this.expectations());
  }

  /** Waits until a node answers every probe as the baseline says; records `node-ready` for new nodes. */
  protected async awaitBaseline(node: StartedKongContainer, cluster: "blue" | "green", record: boolean): Promise<void> {
    const { served, mismatches } = await this.gate(node, cluster, record);
    if (record) this.rec.history.event("harness", F.nodeReady, { node: node.name, cluster, ready: served, mismatches });
    if (!served) {
      // The report shows what the node itself said while it failed.
      const excerpt = (await node.logs(80).catch((err: unknown) => `(logs unavailable: ${String(err)})`)).slice(-4000);
      this.rec.history.event("harness", F.nodeLog, { node: node.name, image: node.image, reason: `does not answer like the baseline: ${mismatches.join(", ")}`, excerpt });
      throw new ScenarioStepError(`${cluster === "blue" ? "old" : "new"} node "${node.name}" does not answer like the baseline: ${mismatches.join(", ")}`);
    }
  }

  /**
   * The baseline probes until a node answers every one like the baseline (or the budget ends), with
   * `GET /status` watched beside when `watchStatus`: when it said ready is when a production load
   * balancer would have sent the node traffic; both moments are recorded (readiness-honest).
   */
  private async gate(node: StartedKongContainer, cluster: "blue" | "green", watchStatus: boolean, startedBy?: string): Promise<{ served: boolean; mismatches: string[] }> {
    const status = watchStatus ? watchStatusReady(() => node.getAdminUrl(), () => this.rec.now()) : undefined;
    const served = await waitUntilServing(node.getProxyUrl(), this.probes, this.propagationBoundMs * 3);
    const servingMs = served.ok ? this.rec.now() : null;
    const mismatches = await this.describeMismatches(served.last, node.name, cluster);
    if (status) {
      this.rec.history.event("harness", F.readiness, {
        node: node.name, cluster, statusReadyMs: await status.stop(), servingMs, lastMismatches: served.ok ? [] : mismatches, ...(startedBy ? { startedBy } : {}),
      });
    }
    return { served: served.ok, mismatches };
  }

  /**
   * A node a fault started (again) while the run goes on: its readiness is watched and recorded
   * beside the recovery, as for the scenario's own new nodes; whether it serves is the load
   * balancer's health checks' and the fault's expectation's to judge.
   */
  protected watchReadiness(node: StartedKongContainer, cluster: "blue" | "green", startedBy: string): void {
    this.gates.push(this.gate(node, cluster, true, startedBy).then(() => undefined, (err: unknown) => {
      this.rec.errors.push(`readiness of ${node.name} (started by fault ${startedBy}): ${err instanceof Error ? err.message : String(err)}`);
    }));
  }

  /**
   * A new node joins the load balancer as `--readiness` says: with `status` at once (its start
   * waited for `GET /status` to say ready, as a production load balancer or a Kubernetes readiness
   * probe would), its baseline gate beside; with `baseline` only once it passed the gate. `then`
   * runs once the node answers like the baseline (parity sampling).
   */
  protected async admitNewNode(node: StartedKongContainer, then: () => Promise<void> = async () => undefined): Promise<void> {
    const lb = this.need(this.lb, "load balancer");
    if (this.options.readiness === "status") {
      await this.joinWhenHealthy(lb, node);
      this.gateBeside(node, then);
      return;
    }
    await this.awaitBaseline(node, "green", true);
    await this.joinWhenHealthy(lb, node);
    await then();
  }

  /** Added out of rotation; HAProxy's health checks put it in, and the scenario goes on once they did. */
  private async joinWhenHealthy(lb: StartedLoadBalancer, node: StartedKongContainer): Promise<void> {
    await lb.addNode("green", backendOf(node), { untilHealthy: true });
    await lb.waitUntilHealthy(node.name, { timeoutMs: this.propagationBoundMs * 3 + 10_000 });
  }

  /**
   * `--readiness status`: the baseline gate of a node that already has traffic, run beside the
   * scenario's next steps. Its verdict is recorded (node-ready, readiness) and judged by the checks;
   * a node that never serves like the baseline does not stop the run here, its failed requests do.
   */
  protected gateBeside(node: StartedKongContainer, then: () => Promise<void>): void {
    this.gates.push(this.awaitBaseline(node, "green", true).then(then).catch((err: unknown) => {
      if (!(err instanceof ScenarioStepError)) this.rec.errors.push(`readiness gate of ${node.name}: ${err instanceof Error ? err.message : String(err)}`);
    }));
  }

  /** Waits for the gates run beside (each ends within its own budget). */
  protected async settleGates(): Promise<void> {
    await Promise.all(this.gates.splice(0));
  }

  /**
   * What a new node answered wrong, field by field: its answers beside an old node's to the same
   * probes, sent now (what headers it left out); an old node's own mismatches are said as they are.
   */
  private async describeMismatches(answers: readonly ProbeAnswer[], node: string, cluster: "blue" | "green"): Promise<string[]> {
    const old = cluster === "green" ? this.blue?.nodes[0] : undefined;
    const probes = answers.flatMap((a) => this.probes.find((p) => p.name === a.probe) ?? []);
    // The old node may itself be under a fault: then the mismatches are said without its answers.
    const reference = old ? await Promise.all(probes.map((p) => sendProbe(old.getProxyUrl(), p))).catch(() => []) : [];
    return answers.map((a, i) => describeMismatch(a, node, reference[i] ? { ...reference[i], node: old!.name } : undefined));
  }

  /** Load balancer in front of a cluster, and constant-rate load through it until teardown. */
  protected async startLoadOn(cluster: StartedKongCluster): Promise<StartedLoadBalancer> {
    this.sink = new JsonlRequestSink(join(this.rec.runDir, "requests.jsonl"));
    const lb = (this.lb = await this.configureLoadBalancer(new LoadBalancer().withClock(this.rec.clock).withSink(this.sink)
      .withNodes(cluster.name, cluster.nodes.map(backendOf))
      .withWeights(cluster.name === "blue" ? { blue: 100, green: 0 } : { blue: 0, green: 100 })
      .withBaseline(Object.fromEntries(this.probes.map((p) => [p.name, p.expect]))))
      .start());
    onCleanup("load balancer", () => lb.stop());
    const haproxy = lb.haproxy();
    this.rec.images = [...this.rec.images.filter((i) => i.role !== "load-balancer"), { role: "load-balancer", ref: haproxy.image, standin: false, version: haproxy.version, configuration: haproxy.config }];
    progress().note(`load balancer: ${lb.describe()}`);
    let load: AttackRun;
    try {
      // The profile (`--load`, else every probe in turn at --rate) over the run's baselined probes.
      const compiled = compileProfile(this.options.load?.profile ?? DEFAULT_PROFILE, { probes: this.probes, rate: this.options.rate }, lb.url);
      if (this.options.load) progress().note(`load ${this.options.load.file}: ${compiled.description}`);
      load = startAttack({
        ...attackOptionsOf(compiled),
        // Longer than the load balancer's own upstream timeout, so a slow node shows as its 504.
        durationMs: 60 * 60_000, timeoutMs: 15_000,
        onResult: () => undefined,
      });
    } catch (err) {
      // Outside any phase: a load tool missing from the lab is recorded here.
      this.rec.noteUnjudged(err);
      throw err;
    }
    this.load = load;
    onCleanup("load", async () => { load.stop(); await load.done.catch(() => undefined); });
    const ticker = setInterval(() => {
      const s = lb.stats();
      progress().tick({ requests: s.requests, failures: s.failures });
    }, 250);
    onCleanup("progress", async () => clearInterval(ticker));
    return lb;
  }

  protected watchedNodes(): WatchedNode[] {
    const w = (c: StartedKongCluster | undefined): WatchedNode[] => (c?.nodes ?? []).map((n) => ({ name: n.name, cluster: c!.name, proxyUrl: () => n.getProxyUrl() }));
    return [...w(this.blue), ...w(this.green)];
  }

  /** Records one `verify-entity` op per seeded probe and per entity a workload's writes left behind. */
  protected async verifyFinalState(node: StartedKongContainer, cluster: StartedKongCluster, workload?: Pick<AdminWorkload, "finalStates">): Promise<void> {
    const record = (entity: string, seen: string, matches: boolean): void => {
      this.rec.history.event("verifier", F.verifyEntity, { entity, cluster: cluster.name, seen, matches }, { node: node.name });
    };
    const { answers } = await probeAll(node.getProxyUrl(), this.probes);
    answers.forEach((a, i) => record(`probe/${this.probes[i]!.name}`, `status ${a.status ?? a.error}`, answerMatches(this.probes[i]!, a)));
    const admin = cluster.admin(node);
    for (const [entity, state] of workload?.finalStates ?? []) {
      if ("proxy" in state) {
        const a = await sendProbe(node.getProxyUrl(), state.proxy.probe);
        record(entity, `status ${a.status ?? a.error}`, a.status === state.proxy.status);
      } else {
        const r = await admin.get(state.adminPath);
        record(entity, `Admin API GET ${state.adminPath}: ${r.status}`, r.status === 200);
      }
    }
  }

  protected async snapshot(label: string, datastore = this.need(this.datastore, "datastore")): Promise<void> {
    this.rec.history.event("datastore", F.schemaSnapshot, { label, snapshot: await datastore.snapshot() });
    this.rec.history.event("datastore", F.schemaMeta, { label, rows: (await datastore.schemaMeta()) ?? [] });
  }

  /** Stops load, writes the report, removes every container. Always runs (mocha `after`). */
  async tearDown(interrupted: string | undefined = interruptReason()): Promise<Report> {
    if (this.tornDown) return this.tornDown;
    this.tornDown = this.doTearDown(interrupted);
    this.unregister();
    return this.tornDown;
  }

  /**
   * Ends this scenario as one hop of a multi-hop path: load stopped, checks run on the hop's files,
   * and only what it registered after `mark` removed (the path's datastore stays). No report file:
   * the path writes one report for every hop.
   */
  async endHop(mark: number, interrupted: string | undefined = interruptReason()): Promise<ReportInput> {
    await this.stopTraffic();
    const input = await this.rec.analysis(interrupted);
    this.rec.errors.push(...(await runCleanup(mark)));
    return input;
  }

  /** The datastore the upgraded cluster runs on when the procedure is done (the next hop's). */
  datastoreAfterUpgrade(): StartedDatastore | undefined { return this.datastore; }

  private async doTearDown(interrupted?: string): Promise<Report> {
    await this.stopTraffic();
    const report = await this.rec.report(interrupted);
    this.rec.errors.push(...(await runCleanup()));
    return report;
  }

  private async stopTraffic(): Promise<void> {
    await this.settleGates();
    await this.paritySampler?.stop();
    if (this.load) {
      this.load.stop();
      // A load generator that died still counted what it received until then (load-reconciliation's evidence).
      const summary = await this.load.done.catch((err: unknown) => { this.rec.errors.push(`load: ${String(err)}`); return err instanceof AttackFailedError ? err.summary : undefined; });
      if (summary) {
        const { requests, statusCounts, errors, aborted, lastAnswerEpochMs, failure } = summary;
        this.rec.history.event("load", F.loadSummary, { requests, statusCounts, errors, aborted, ...(lastAnswerEpochMs !== undefined ? { lastAnswerEpochMs } : {}), ...(failure ? { failure } : {}) });
      }
      this.load = undefined;
    }
    await this.lb?.stop().catch((err: unknown) => this.rec.errors.push(`load balancer: ${String(err)}`));
    await this.sink?.close().catch((err: unknown) => this.rec.errors.push(`requests.jsonl: ${String(err)}`));
  }
}

/** A node as the load balancer reaches it: its proxy, and its Admin API for `/status` checks. */
const backendOf = (n: StartedKongContainer): BackendNode => ({ name: n.name, url: n.getProxyUrl(), adminUrl: n.getAdminUrl() });

/** Every 500 ms, 3 failures to leave rotation, 2 passes to return, a 200 expected: as operators tune HAProxy. */
const HEALTH_CHECK_TIMING = { intervalMs: 500, timeoutMs: 2_000, unhealthyThreshold: 3, healthyThreshold: 2, expectStatus: 200 } as const;
