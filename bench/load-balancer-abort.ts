// Error-budget breach to abort: how long after a failing request HAProxy sends no more traffic to
// green. Each try starts a load balancer as the scenarios do (error budget, baseline, records from
// HAProxy's log) in front of a blue upstream answering 200 and a green one answering 500, with
// maxFailures 0; vegeta sends a constant rate; the green weight goes to 50, and the first request
// split to green fails and breaches the budget. A breach is one-shot, so every try has a fresh
// load balancer (the upstreams are shared).
//
// Measured from the failing request's end (its record's endMs): the failure exists only once its
// answer does, and what came before is the node's own time to answer (up to the 10 s timeout),
// not the load balancer's reaction. The same figure from its start is printed beside it.
// "Taking effect" is the first request HAProxy split under green weight 0 after the breach (its
// record's startMs); the time the harness read the new weight back from HAProxy is printed too.
// Target (issue 15): under 1 s, p99 over 20 tries (with 20 tries, p99 is the slowest).
// Run directly: node --import tsx --import ./harness/runtime/testcontainers-preload.ts bench/load-balancer-abort.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { RequestLine } from "../harness/checks/records.ts";
import { labTool } from "../harness/runtime/lab-state.ts";
import { LoadBalancer, MemoryRequestSink, toGreen } from "../harness/traffic/index.ts";
import { attackToFile, BENCH_PROBE, mark, startUpstream, type Upstream } from "./support/vegeta.ts";

export const ABORT_TARGET_MS = 1_000;

export interface AbortBenchOptions {
  readonly tries?: number;
  /** vegeta's constant rate during a try; default 1,000/s (a request about every millisecond, so the first one under weight 0 comes right after the change). */
  readonly ratePerSecond?: number;
  /** Where the table goes; default stdout. */
  readonly print?: (line: string) => void;
}

/** One try, every time in ms after the failing request's end unless said otherwise. */
export interface AbortTry {
  readonly try: number;
  /** The load balancer's gate tripped (the failing request's record arrived from HAProxy's log and was judged). */
  readonly breachMs: number;
  /** The first request HAProxy split under green weight 0 started: the abort took effect. */
  readonly effectMs: number;
  /** The same, from the failing request's start. */
  readonly effectFromStartMs: number;
  /** The harness read the new weight back from HAProxy (weightChanges()'s atMs). */
  readonly confirmedMs: number;
  /** Requests split to green after the failing one, before the abort took effect. */
  readonly furtherGreen: number;
  /** Why stopping the load balancer failed (e.g. records missing), if it did; the try is measured all the same. */
  readonly stopError?: string;
}

export interface AbortBenchResult {
  readonly tries: readonly AbortTry[];
  /** Tries that produced no measurement, with the reason. */
  readonly failed: readonly string[];
  readonly p99EffectMs: number;
  readonly met: boolean;
}

export async function benchAbort(options: AbortBenchOptions = {}): Promise<AbortBenchResult> {
  const count = options.tries ?? 20;
  const rate = options.ratePerSecond ?? 1_000;
  const print = options.print ?? ((line: string) => void process.stdout.write(line + "\n"));
  const binary = labTool("vegeta");
  const dir = mkdtempSync(join(tmpdir(), "kuh-bench-abort-"));
  const blue = await startUpstream(200);
  const green = await startUpstream(500);
  const tries: AbortTry[] = [];
  const failed: string[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      try {
        tries.push({ try: i, ...(await oneTry(binary, blue, green, rate, join(dir, `try-${i}.bin`))) });
      } catch (e) {
        failed.push(`try ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    blue.child.kill("SIGTERM");
    green.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  const p99EffectMs = percentile(tries.map((t) => t.effectMs), 99);
  const result: AbortBenchResult = { tries, failed, p99EffectMs, met: failed.length === 0 && tries.length > 0 && p99EffectMs < ABORT_TARGET_MS };
  report(result, count, rate, print);
  return result;
}

async function oneTry(binary: string, blue: Upstream, green: Upstream, rate: number, file: string): Promise<Omit<AbortTry, "try">> {
  const sink = new MemoryRequestSink();
  const lb = await new LoadBalancer().withSink(sink).withBaseline({ [BENCH_PROBE]: 200 }).withErrorBudget({ maxFailures: 0 })
    .withNodes("blue", [{ name: "blue-1", url: blue.url }]).withNodes("green", [{ name: "green-1", url: green.url }])
    .withWeights(toGreen(0))
    .start();
  let stopError: string | undefined;
  try {
    const load = attackToFile(binary, `${lb.url}/bench`, rate, 2_000, file);
    await sleep(500); // load at its rate, connections open
    await lb.setWeights(toGreen(50));
    await load;
  } finally {
    // Waits for every record; a failure to stop is reported beside the figures, not instead of them.
    stopError = await lb.stop().then(() => undefined, (e: unknown) => (e instanceof Error ? e.message : String(e)));
  }
  const breach = lb.breach;
  const failing = breach?.record;
  if (!breach || !failing) throw new Error("no error-budget breach: no request to green failed");
  const changes = lb.weightChanges();
  const toHalf = changes.find((c) => c.cause === "set" && c.green === 50);
  const abort = changes.find((c) => c.cause === "abort");
  if (!toHalf || !abort) throw new Error(`weight changes lack the step to 50 or the abort: ${JSON.stringify(changes)}`);
  // Weight 0 before the step to 50 was the initial weight; a request that started after HAProxy
  // confirmed 50 and still got 0 was split after the abort.
  const afterAbort = sink.records.filter((r) => r.greenWeight === 0 && r.startMs > toHalf.atMs).sort(byStart);
  const first = afterAbort[0];
  if (!first) throw new Error("no request was split under green weight 0 after the breach (did the load stop too early?)");
  return {
    breachMs: breach.atMs - failing.endMs,
    effectMs: first.startMs - failing.endMs,
    effectFromStartMs: first.startMs - failing.startMs,
    confirmedMs: abort.atMs - failing.endMs,
    furtherGreen: sink.records.filter((r) => r.cluster === "green" && r.seq !== failing.seq && r.startMs >= failing.startMs && r.startMs < first.startMs).length,
    ...(stopError !== undefined ? { stopError } : {}),
  };
}

const byStart = (a: RequestLine, b: RequestLine): number => a.startMs - b.startMs;

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function report(r: AbortBenchResult, count: number, rate: number, print: (line: string) => void): void {
  const row = (label: string, values: readonly number[]): string => {
    const f = (n: number): string => n.toFixed(1).padStart(8);
    return `  ${label.padEnd(46)} ${f(percentile(values, 50))} ${f(percentile(values, 99))} ${f(Math.max(...values))}`;
  };
  print(`Error-budget breach to abort (HAProxy, maxFailures 0, green 50% answering 500, vegeta ${rate} req/s; ${r.tries.length}/${count} tries measured)`);
  print(`  ms after the failing request's end            p50      p99      max`);
  if (r.tries.length > 0) {
    print(row("breach judged (its record arrived)", r.tries.map((t) => t.breachMs)));
    print(row("abort took effect (first request at weight 0)", r.tries.map((t) => t.effectMs)));
    print(row("  the same, from the failing request's start", r.tries.map((t) => t.effectFromStartMs)));
    print(row("weight 0 read back from HAProxy (atMs)", r.tries.map((t) => t.confirmedMs)));
    print(row("further requests to green before the effect", r.tries.map((t) => t.furtherGreen)).replace(/\.0/g, "  "));
  }
  for (const f of r.failed) print(`  ${f}`);
  for (const t of r.tries) if (t.stopError) print(`  warning, try ${t.try}: stopping the load balancer failed: ${t.stopError}`);
  print(`  abort taking effect, p99 of ${r.tries.length}: ${r.p99EffectMs.toFixed(1)} ms (target < ${ABORT_TARGET_MS} ms: ${mark(r.met)})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchAbort();
  process.exitCode = r.met ? 0 : 1;
}
