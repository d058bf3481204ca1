// Load balancer overhead: latency p50/p99 at a fixed rate and maximum throughput, through HAProxy as
// the harness configures it (the scenarios' settings, and the chaos scenario's: health checks and
// retries) against straight to the same upstream, measured with vegeta in one run (vegeta's own
// percentiles over every slice of a side). Each load balancer streams its request records to a
// requests.jsonl as in a run, so the harness's share of the work is measured too.
// Targets (issue 15): p99 added under 0.5 ms at 1,000 requests/s; throughput at least 0.6 of direct.
// The time from an error-budget breach to the abort taking effect: bench/load-balancer-abort.ts.
// Run directly: node --import tsx --import ./harness/runtime/testcontainers-preload.ts bench/load-balancer.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { labTool } from "../harness/runtime/lab-state.ts";
import { JsonlRequestSink, LoadBalancer, type StartedLoadBalancer } from "../harness/traffic/index.ts";
import { startBareHaproxy, type BareHaproxy } from "./support/bare-haproxy.ts";
import { attackToFile, BENCH_PROBE, mark, startUpstream, vegetaReport, type VegetaSummary } from "./support/vegeta.ts";

export const P99_ADDED_TARGET_MS = 0.5;
export const THROUGHPUT_RATIO_TARGET = 0.6;

export interface LoadBalancerBenchOptions {
  /** Fixed rate for the latency comparison; default 1,000/s. */
  readonly ratePerSecond?: number;
  /** Duration of each side's fixed-rate runs, in 1 s slices; default 10 s (p99 of 10,000 requests). */
  readonly durationMs?: number;
  /** Duration of each side's maximum-throughput runs, in 1 s slices; default 5 s. */
  readonly maxDurationMs?: number;
  /** Concurrent vegeta workers in the maximum-throughput runs; default 32. */
  readonly maxWorkers?: number;
  /** Also measure the chaos scenario's settings (health checks, retries); default true. */
  readonly chaos?: boolean;
  /** Where the table goes; default stdout. */
  readonly print?: (line: string) => void;
}

export interface Side { readonly p50Ms: number; readonly p99Ms: number; readonly errors: number; readonly requests: number; readonly maxPerSecond: number }

export interface HaproxySide extends Side {
  readonly label: string;
  readonly settings: string;
  readonly p99AddedMs: number;
  readonly throughputRatio: number;
  /** Requests vegeta sent through this load balancer (warm-up included) and the records the harness wrote for them. */
  readonly requestsSent: number;
  readonly recordsWritten: number;
  /** Why stopping the load balancer failed (e.g. records missing), if it did. */
  readonly stopError?: string;
  readonly targets: { readonly p99Added: boolean; readonly throughput: boolean };
}

export interface LoadBalancerBenchResult {
  readonly ratePerSecond: number;
  readonly haproxyVersion: string;
  readonly direct: Side;
  /** HAProxy with nothing but a backend (support/bare-haproxy.ts), for reference; not judged. */
  readonly bare: Side;
  readonly haproxy: readonly HaproxySide[];
  readonly met: boolean;
}

/** The scenarios' load balancer (scenario-base.ts), and the chaos scenario's (chaos-scenario.ts) with its health check on the upstream's path. */
const CONFIGURATIONS = {
  scenario: (lb: LoadBalancer) => lb.withErrorBudget({ maxFailures: 50 }),
  chaos: (lb: LoadBalancer) => lb
    .withRetries({ onConnectFailure: 2, beforeAnswer: true })
    .withHealthCheck({ path: "/", intervalMs: 500, timeoutMs: 2_000, unhealthyThreshold: 3, healthyThreshold: 2, expectStatus: 200 })
    .withTimeoutMs(5_000)
    .withErrorBudget({ maxFailures: 50 }),
} as const;

export async function benchLoadBalancer(options: LoadBalancerBenchOptions = {}): Promise<LoadBalancerBenchResult> {
  const rate = options.ratePerSecond ?? 1_000;
  const durationMs = options.durationMs ?? 10_000;
  const maxDurationMs = options.maxDurationMs ?? 5_000;
  const workers = options.maxWorkers ?? 32;
  const print = options.print ?? ((line: string) => void process.stdout.write(line + "\n"));
  const binary = labTool("vegeta");
  const dir = mkdtempSync(join(tmpdir(), "kuh-bench-lb-"));
  const upstream = await startUpstream(200);
  let bare: BareHaproxy | undefined;
  const started: { label: keyof typeof CONFIGURATIONS; lb: StartedLoadBalancer; sink: JsonlRequestSink }[] = [];
  try {
    for (const label of options.chaos === false ? (["scenario"] as const) : (["scenario", "chaos"] as const)) {
      const sink = new JsonlRequestSink(join(dir, `requests-${label}.jsonl`));
      const lb = await CONFIGURATIONS[label](new LoadBalancer().withSink(sink).withBaseline({ [BENCH_PROBE]: 200 }))
        .withNodes("blue", [{ name: "upstream", url: upstream.url }])
        .start();
      started.push({ label, lb, sink });
    }
    bare = await startBareHaproxy(upstream.url);
    const targets = [upstream.url, bare.url, ...started.map((s) => s.lb.url)];
    let slice = 0;
    const sent: string[][] = targets.map(() => []);
    const run = async (i: number, ratePerSecond: number, ms: number, into?: string[], w?: number): Promise<void> => {
      const file = join(dir, `slice-${++slice}.bin`);
      await attackToFile(binary, `${targets[i]}/bench`, ratePerSecond, ms, file, w);
      sent[i]!.push(file);
      into?.push(file);
    };
    for (const i of targets.keys()) await run(i, rate, 1_000); // warm-up: connections, JIT
    // The sides alternate in 1 s slices, so all see the same background load.
    const fixed: string[][] = targets.map(() => []);
    for (let left = durationMs; left > 0; left -= 1_000) {
      for (const i of targets.keys()) await run(i, rate, Math.min(1_000, left), fixed[i]);
    }
    const max: string[][] = targets.map(() => []);
    for (let left = maxDurationMs; left > 0; left -= 1_000) {
      for (const i of targets.keys()) await run(i, 1_000_000, Math.min(1_000, left), max[i], workers);
    }
    // Stopping waits for every record of the requests sent and fails when HAProxy logged fewer than it received.
    const stopErrors = await Promise.all(started.map(async ({ lb, sink }) => {
      const error = await lb.stop().then(() => undefined, (e: unknown) => (e instanceof Error ? e.message : String(e)));
      await sink.close();
      return error;
    }));
    const fixedReports = await Promise.all(fixed.map((files) => vegetaReport(binary, files)));
    const maxReports = await Promise.all(max.map((files) => vegetaReport(binary, files)));
    const sentReports = await Promise.all(sent.map((files) => vegetaReport(binary, files)));
    const sideOf = (i: number): Side => toSide(fixedReports[i]!, maxReports[i]!, maxDurationMs);
    const direct = sideOf(0);
    const haproxy = started.map(({ label, lb, sink }, k): HaproxySide => {
      const s = sideOf(k + 2);
      const p99AddedMs = s.p99Ms - direct.p99Ms;
      const throughputRatio = s.maxPerSecond / direct.maxPerSecond;
      return {
        ...s, label, settings: lb.describe(), p99AddedMs, throughputRatio,
        requestsSent: sentReports[k + 2]!.requests, recordsWritten: sink.written,
        ...(stopErrors[k] !== undefined ? { stopError: stopErrors[k] } : {}),
        targets: { p99Added: p99AddedMs < P99_ADDED_TARGET_MS, throughput: throughputRatio >= THROUGHPUT_RATIO_TARGET },
      };
    });
    const result: LoadBalancerBenchResult = {
      ratePerSecond: rate, haproxyVersion: started[0]!.lb.haproxy().version, direct, bare: sideOf(1), haproxy,
      met: haproxy.every((h) => h.targets.p99Added && h.targets.throughput),
    };
    report(result, workers, print);
    return result;
  } finally {
    await Promise.all(started.map(({ lb }) => lb.stop().catch(() => undefined)));
    await bare?.container.stop({ timeout: 1_000 }).catch(() => undefined);
    upstream.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

const toSide = (fixed: VegetaSummary, max: VegetaSummary, maxDurationMs: number): Side => ({
  p50Ms: fixed.p50Ms, p99Ms: fixed.p99Ms, errors: fixed.errors + max.errors, requests: fixed.requests, maxPerSecond: max.ok / (maxDurationMs / 1_000),
});

function report(r: LoadBalancerBenchResult, workers: number, print: (line: string) => void): void {
  const col = (text: string): string => text.padStart(18);
  const sides = [r.direct, r.bare, ...r.haproxy];
  const header = ["direct", "bare HAProxy", ...r.haproxy.map((h) => `HAProxy ${h.label}`)].map(col).join("");
  const rowOf = (label: string, cell: (s: Side) => string): string => `  ${label.padEnd(22)}${sides.map((s) => col(cell(s))).join("")}`;
  print(`Load balancer overhead: HAProxy ${r.haproxyVersion} as the harness configures it against direct (vegeta, same upstream, 1 s slices interleaved)`);
  for (const h of r.haproxy) print(`  ${h.label.padEnd(9)} ${h.settings}`);
  print(`  bare      one backend, nothing else: no split, no maps, no log (for reference)`);
  print(`  ${"".padEnd(22)}${header}`);
  print(rowOf(`p50 ms at ${r.ratePerSecond}/s`, (s) => s.p50Ms.toFixed(3)));
  print(rowOf(`p99 ms at ${r.ratePerSecond}/s`, (s) => s.p99Ms.toFixed(3)));
  print(rowOf(`max req/s (${workers} workers)`, (s) => s.maxPerSecond.toFixed(0)));
  print(rowOf("errors", (s) => String(s.errors)));
  print(`  ${"records written".padEnd(22)}${col("-")}${col("-")}${r.haproxy.map((h) => col(`${h.recordsWritten}/${h.requestsSent}`)).join("")}`);
  const bareAdded = r.bare.p99Ms - r.direct.p99Ms;
  const bareRatio = r.bare.maxPerSecond / r.direct.maxPerSecond;
  print("");
  print(`  ${"figure".padEnd(32)}${"target".padEnd(8)}${["bare HAProxy", ...r.haproxy.map((h) => `HAProxy ${h.label}`)].map(col).join("")}`);
  print(`  ${`p99 added at ${r.ratePerSecond} req/s (ms)`.padEnd(32)}${`< ${P99_ADDED_TARGET_MS}`.padEnd(8)}${col(`(${bareAdded.toFixed(3)})`)}${r.haproxy.map((h) => col(`${h.p99AddedMs.toFixed(3)} ${mark(h.targets.p99Added)}`)).join("")}`);
  print(`  ${"max throughput vs direct".padEnd(32)}${`>= ${THROUGHPUT_RATIO_TARGET}`.padEnd(8)}${col(`(${bareRatio.toFixed(2)})`)}${r.haproxy.map((h) => col(`${h.throughputRatio.toFixed(2)} ${mark(h.targets.throughput)}`)).join("")}`);
  for (const h of r.haproxy) if (h.stopError) print(`  warning, HAProxy ${h.label}: stopping the load balancer failed: ${h.stopError}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchLoadBalancer();
  process.exitCode = r.met ? 0 : 1;
}
