// Runs issue 5's scenario classes in this process, step by step as their scenario files do, so that
// several runs share one Cassandra container (a Cassandra start is ~20 s; each run gets its own
// keyspace). Reads the verdicts back from the run's report.json.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Network, type StartedNetwork } from "testcontainers";
import { checksById, RUN_FILES, type CheckExpectations } from "../../harness/checks/index.ts";
import { CassandraDatastore, type StartedCassandraDatastore } from "../../harness/datastore/index.ts";
import { recheck, type Report, type ReportCheck } from "../../harness/report/index.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { RUN_DEFAULTS, type RunOptions } from "../../harness/scenario/index.ts";

let shared: Promise<{ network: StartedNetwork; ds: StartedCassandraDatastore }> | undefined;
let keyspaces = 0;

/** One Cassandra for every test file of this mocha process; a fresh keyspace per call. */
export async function cassandraKeyspace(tag: string): Promise<StartedCassandraDatastore> {
  shared ??= (async () => {
    const network = await new Network().start();
    return { network, ds: await new CassandraDatastore(labImage("cassandra")).start(network) };
  })();
  const { ds } = await shared;
  return ds.withKeyspace(`kuh_${tag}_${++keyspaces}_${Date.now().toString(36)}`.slice(0, 48));
}

// A root hook: stops the shared Cassandra once every file is done.
after(async function () {
  this.timeout(60_000);
  if (!shared) return;
  const { network, ds } = await shared;
  await ds.stop();
  await network.stop();
});

export function options(o: Partial<RunOptions> & Pick<RunOptions, "oldImage" | "newImage">): RunOptions {
  return { ...RUN_DEFAULTS, oldNodes: 1, newNodes: 1, rate: 100, holdMs: 1_000, reportDir: mkdtempSync(join(tmpdir(), "kuh-h11-")), ...o };
}

export interface InProcessRun {
  readonly report: Report;
  readonly runDir: string;
  /** The first step that threw, if any (later steps were skipped, as mocha's bail does). */
  readonly stepError?: Error;
  readonly notPassing: readonly string[];
  check(id: string): ReportCheck;
  readonly seconds: number;
}

export const describeRun = (run: InProcessRun): string =>
  [run.stepError ? `step error: ${run.stepError.message}` : "", ...run.report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.status}: ${c.message}`)].filter(Boolean).join("\n") || "(every check passed)";

function wrap(report: Report, runDir: string, seconds: number, stepError?: Error): InProcessRun {
  return {
    report, runDir, seconds, ...(stepError ? { stepError } : {}),
    notPassing: report.checks.filter((c) => c.status !== "pass").map((c) => c.id),
    check(id: string): ReportCheck {
      const c = report.checks.find((x) => x.id === id);
      if (!c) throw new Error(`check "${id}" is not in the report (checks: ${report.checks.map((x) => x.id).join(", ")})`);
      return c;
    },
  };
}

/** Runs the steps in order, stops at the first that throws, tears down (report written) and reads it. */
export async function runSteps(scenario: { tearDown(): Promise<Report>; rec: { runDir: string } }, steps: readonly (() => Promise<void>)[]): Promise<InProcessRun> {
  const started = Date.now();
  let stepError: Error | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      stepError = err instanceof Error ? err : new Error(String(err));
      break;
    }
  }
  const report = await scenario.tearDown();
  return wrap(report, scenario.rec.runDir, (Date.now() - started) / 1000, stepError);
}

/** Re-checks a copy of a run offline with changed expectations (the run's own data, another budget). */
export async function recheckWith(runDir: string, change: Partial<CheckExpectations>): Promise<InProcessRun> {
  const copy = mkdtempSync(join(tmpdir(), "kuh-h11-recheck-"));
  cpSync(runDir, copy, { recursive: true });
  const file = join(copy, RUN_FILES.expectations);
  const e = { ...(JSON.parse(readFileSync(file, "utf8")) as CheckExpectations), ...change };
  writeFileSync(file, JSON.stringify(e));
  const { report } = await recheck(copy, checksById(e.checks));
  return wrap(report, copy, 0);
}
