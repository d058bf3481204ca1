// A multi-hop upgrade path as one scenario: one datastore, bootstrapped and seeded once by hop 1's
// old cluster; each hop then runs its procedure's steps on it, its old cluster being the previous
// hop's new version serving the carried data. Each hop records into its own folder of the run
// (history.jsonl, requests.jsonl); the run gets one report.json with every hop in it.
import { join } from "node:path";
import { Network } from "testcontainers";
import type { StartedDatastore } from "../datastore/types.ts";
import { resolvePgAuth } from "../datastore/postgres-auth.ts";
import { InvalidConfigError, unjudgedCause } from "../errors.ts";
import { resolveKongImage } from "../kong/kong-image.ts";
import type { Procedure } from "../plan/index.ts";
import { hopReport, pathChecks, writeReportSync, type HopReport, type ImageUse, type Report, type ReportInput } from "../report/index.ts";
import { renderReports } from "../report/render.ts";
import { redactAndRender } from "../report/redact-files.ts";
import { cleanupMark, onCleanup, runCleanup } from "../runtime/cleanup.ts";
import { labImage } from "../runtime/lab-state.ts";
import { interruptReason, registerRun } from "./active-run.ts";
import { setCyclesTaken } from "./admin-workload.ts";
import { CassandraInPlaceScenario } from "./cassandra-in-place.ts";
import { NewKeyspaceScenario } from "./new-keyspace.ts";
import type { RunOptions } from "./run-options.ts";
import { RunRecorder } from "./run-recorder.ts";
import { datastoreImageUse, startDatastore, type ScenarioBase } from "./scenario-base.ts";
import { imageKind, standinOnlyProblems } from "./standin-only-options.ts";
import { UpgradeScenario } from "./upgrade-scenario.ts";

/** One hop as `plan` prescribed it, with the images that run it. */
export interface PathHop {
  readonly from: string;
  readonly to: string;
  readonly procedure: Procedure;
  readonly oldImage: string;
  readonly newImage: string;
}

export interface PathOptions {
  /** Options every hop runs with (images and report folder are the hop's own), downtime budget and drift mode included. */
  readonly run: Omit<RunOptions, "oldImage" | "newImage">;
}

/** What the caller is told as hops start and end (the CLI prints it). */
export interface PathListener {
  hopStarted?(index: number, hop: PathHop): void;
  stepStarted?(index: number, step: string): void;
  hopEnded?(index: number, hop: HopReport): void;
}

/** Admin workload cycles reserved per hop (one cycle every 500 ms at most: over an hour of writes). */
const CYCLES_PER_HOP = 10_000;

type Step = readonly [name: string, run: () => Promise<void>];

/** The procedure's scenario for one hop and its steps in order, as its scenario file runs them. */
function hopRun(hop: PathHop, name: string, options: RunOptions): { scenario: ScenarioBase; steps: Step[] } {
  switch (hop.procedure) {
    case "postgres-blue-green": {
      const s = new UpgradeScenario(name, options);
      return { scenario: s, steps: [["setUp", () => s.setUp()], ["startLoad", () => s.startLoad()], ["migrationsUp", () => s.migrationsUp()], ["startGreen", () => s.startGreen()],
        ["shift", () => s.shift()], ["retireBlue", () => s.retireBlue()], ["migrationsFinish", () => s.migrationsFinish()],
        ["verifyAfterFinish", () => s.verifyAfterFinish()], ["startOldNodeAfterFinish", () => s.startOldNodeAfterFinish()]] };
    }
    case "cassandra-in-place": {
      const s = new CassandraInPlaceScenario(name, options);
      return { scenario: s, steps: [["setUp", () => s.setUp()], ["startLoad", () => s.startLoad()], ["migrationsUp", () => s.migrationsUp()], ["cutover", () => s.cutover()],
        ["verifyAfterFinish", () => s.verifyAfterFinish()], ["startOldNodeAfterFinish", () => s.startOldNodeAfterFinish()]] };
    }
    case "cassandra-new-keyspace": {
      const s = new NewKeyspaceScenario(name, options);
      return { scenario: s, steps: [["setUp", () => s.setUp()], ["startLoad", () => s.startLoad()], ["bootstrapNewKeyspace", () => s.bootstrapNewKeyspace()],
        ["exportConfig", () => s.exportConfig()], ["importConfig", () => s.importConfig()], ["startGreen", () => s.startGreen()], ["shift", () => s.shift()],
        ["retireBlue", () => s.retireBlue()], ["verifyNewCluster", () => s.verifyNewCluster()]] };
    }
    case "fresh-install":
      throw new InvalidConfigError(["a fresh install is not a hop of an upgrade path: run scenarios/fresh-install.ts"]);
  }
}

export class PathScenario {
  readonly runDir: string;
  private readonly startedAt = new Date().toISOString();
  private readonly hopReports: HopReport[] = [];
  private readonly errors: string[] = [];
  private datastoreImage?: string;
  private datastoreUse?: ImageUse;
  /** Set when the path failed outside any upgrade before its first hop (e.g. the datastore did not start). */
  private errorCause?: string;
  private current?: { index: number; hop: PathHop; scenario: ScenarioBase; mark: number };
  /** Every hop's configuration secrets: no file of the path's folder may show them. */
  private readonly secrets = new Set<string>();
  private tornDown?: Promise<Report>;
  /** Leaves the runs an interrupt tears down (at the end of teardown). */
  private readonly unregister: () => void;
  /** The error of the first step that failed: the CLI maps bad input (an unknown image) to its exit code. */
  stepError?: unknown;

  constructor(readonly hops: readonly PathHop[], readonly options: PathOptions, runDir?: string, private readonly listener: PathListener = {}) {
    if (hops.length === 0) throw new InvalidConfigError(["an upgrade path needs at least one hop"]);
    this.runDir = runDir ?? RunRecorder.defaultDir(`path-${hops[0]!.from}-to-${hops.at(-1)!.to}`);
    this.unregister = registerRun(this);
  }

  /** Every hop in order on one datastore; stops at the first hop whose step fails. Returns the report. */
  async run(): Promise<Report> {
    try {
      let ds: StartedDatastore | undefined = await this.startDatastore();
      for (const [i, hop] of this.hops.entries()) {
        if (!ds || interruptReason()) break;
        const { failed, next } = await this.runHop(i + 1, hop, ds);
        if (failed) break;
        ds = next;
      }
    } catch (err) {
      this.stepError ??= err;
      this.errorCause ??= unjudgedCause(err);
      this.errors.push(`the path could not run: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.tearDown();
  }

  private async startDatastore(): Promise<StartedDatastore> {
    this.datastoreImage = labImage(this.options.run.datastore);
    const versions = await this.checkImages();
    const network = await new Network().start();
    onCleanup("network", () => network.stop().then(() => undefined));
    const ds = await startDatastore(this.options.run.datastore, network, resolvePgAuth(this.options.run.pgAuth ?? "auto", versions));
    onCleanup("datastore", () => ds.stop());
    this.datastoreUse = datastoreImageUse(ds);
    return ds;
  }

  /**
   * Every hop's images, before any container starts: options only a stand-in takes are refused for a
   * real image, and the versions are returned (the datastore must let every one of them log in).
   */
  private async checkImages(): Promise<string[]> {
    const problems: string[] = [];
    for (const hop of this.hops) problems.push(...standinOnlyProblems(this.options.run.faults, { old: await imageKind(hop.oldImage), new: await imageKind(hop.newImage) }));
    if (problems.length) throw new InvalidConfigError([...new Set(problems)]);
    const refs = [...new Set(this.hops.flatMap((h) => [h.oldImage, h.newImage]))];
    const versions: string[] = [];
    for (const ref of refs) versions.push((await resolveKongImage(ref)).version);
    return versions;
  }

  /** One hop: its scenario on the shared datastore, every step until one fails, then its checks. */
  private async runHop(index: number, hop: PathHop, ds: StartedDatastore): Promise<{ failed: boolean; next?: StartedDatastore }> {
    const mark = cleanupMark();
    const options: RunOptions = { ...this.options.run, oldImage: hop.oldImage, newImage: hop.newImage, reportDir: join(this.runDir, `hop-${index}`) };
    const { scenario, steps } = hopRun(hop, hop.procedure, options);
    scenario.withDatastore(ds);
    if (index > 1) scenario.withCarriedData(`hop ${index - 1} (${this.hops[index - 2]!.from} -> ${this.hops[index - 2]!.to})`);
    setCyclesTaken((index - 1) * CYCLES_PER_HOP);
    this.current = { index, hop, scenario, mark };
    this.listener.hopStarted?.(index, hop);
    let failedStep: string | undefined;
    for (const [name, step] of steps) {
      this.listener.stepStarted?.(index, name);
      try {
        await step();
      } catch (err) {
        this.stepError ??= err;
        failedStep = `${name}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
        break;
      }
    }
    const next = scenario.datastoreAfterUpgrade();
    await this.endHop(failedStep);
    return { failed: failedStep !== undefined, next };
  }

  private async endHop(failedStep?: string, interrupted?: string): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    const input: ReportInput = await c.scenario.endHop(c.mark, interrupted ?? interruptReason());
    for (const s of c.scenario.rec.redacted) this.secrets.add(s);
    const report = hopReport({ index: c.index, from: c.hop.from, to: c.hop.to, procedure: c.hop.procedure, dir: `hop-${c.index}`, failedStep: failedStep ?? null }, input);
    this.hopReports.push(report);
    this.listener.hopEnded?.(c.index, report);
  }

  /** Ends the hop under way (if any), writes report.json and its renderings, removes every container. */
  async tearDown(interrupted: string | undefined = interruptReason()): Promise<Report> {
    this.tornDown ??= this.doTearDown(interrupted);
    return this.tornDown;
  }

  private async doTearDown(interrupted?: string): Promise<Report> {
    await this.endHop(interrupted ? `interrupted: ${interrupted}` : undefined, interrupted).catch((err: unknown) => this.errors.push(`hop teardown: ${String(err)}`));
    this.errors.push(...(await runCleanup()));
    this.unregister();
    setCyclesTaken(0);
    this.reportHopsNotRun(interrupted);
    const images: ImageUse[] = [
      ...this.hopReports.flatMap((h) => h.images.filter((i) => i.role !== "datastore").map((i) => ({ ...i, role: `hop-${h.index} ${i.role}` }))),
      ...(this.datastoreUse ? [this.datastoreUse] : this.datastoreImage ? [{ role: "datastore", ref: this.datastoreImage, standin: false }] : []),
    ];
    const { report: written } = writeReportSync(this.runDir, {
      runId: this.runDir.split("/").pop(), scenario: "upgrade-path", startedAt: this.startedAt, finishedAt: new Date().toISOString(),
      interrupted: interrupted !== undefined, ...(interrupted ? { interruptReason: interrupted } : {}),
      images, versions: { old: versionOf(this.hopReports[0], "old") ?? this.hops[0]!.from, new: versionOf(this.hopReports.at(-1), "new") ?? this.hops.at(-1)!.to },
      checks: pathChecks(this.hopReports), hops: this.hopReports, errors: this.errors, ...(this.unjudged() ? { errorCause: this.unjudged() } : {}),
    });
    // The hops' folders and the path's report, as for a single run (RunRecorder.report).
    return redactAndRender(this.runDir, written, [...this.secrets], async () => {
      try {
        await renderReports(this.runDir, this.options.run.stepSummaryPath ? { stepSummaryPath: this.options.run.stepSummaryPath } : {});
      } catch (err) {
        this.errors.push(`reports could not be rendered: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }

  /** Why the path was not judged: the path's own start, or the first hop that could not judge its upgrade. */
  private unjudged(): string | undefined {
    const hop = this.hopReports.find((h) => h.errorCause);
    return this.errorCause ?? (hop ? `hop ${hop.index} (${hop.from} -> ${hop.to}): ${hop.errorCause}` : undefined);
  }

  private reportHopsNotRun(interrupted?: string): void {
    const last = this.hopReports.at(-1);
    const why = interrupted ? `the run was interrupted (${interrupted})` : last ? `hop ${last.index} did not complete${last.failedStep ? ` (${last.failedStep})` : ""}` : `the path could not start: ${this.errors[0] ?? "unknown error"}`;
    for (const [i, hop] of this.hops.entries()) {
      if (i < this.hopReports.length) continue;
      this.hopReports.push(hopReport({ index: i + 1, from: hop.from, to: hop.to, procedure: hop.procedure, dir: `hop-${i + 1}`, failedStep: null },
        { scenario: hop.procedure, images: [], errors: [`not run: ${why}`] }, false));
    }
  }
}

const versionOf = (h: HopReport | undefined, which: "old" | "new"): string | undefined => h?.versions[which] ?? undefined;
