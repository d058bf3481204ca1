// Load balancer overhead: latency p50/p99 at a fixed rate and maximum throughput, through the
// harness's load balancer against straight to the same upstream, measured with vegeta in one run
// (vegeta's own percentiles over every slice of a side).
// Targets (issue 4): p99 added under 1 ms at 1,000 requests/s; throughput at least half of direct.
// Run directly: node --import tsx bench/load-balancer.ts
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { HarnessError } from "../harness/errors.ts";
import { labTool } from "../harness/runtime/lab-state.ts";
import { Pool } from "undici";
import { LoadBalancer } from "../harness/traffic/index.ts";

export interface LoadBalancerBenchOptions {
  /** Fixed rate for the latency comparison; default 1,000/s. */
  readonly ratePerSecond?: number;
  /** Duration of each fixed-rate run; default 5 s. */
  readonly durationMs?: number;
  /** Duration of each maximum-throughput run; default 3 s. */
  readonly maxDurationMs?: number;
  /** Concurrent vegeta workers in the maximum-throughput runs; default 32. */
  readonly maxWorkers?: number;
  /** Where the table goes; default stdout. */
  readonly print?: (line: string) => void;
}

export interface Side { readonly p50Ms: number; readonly p99Ms: number; readonly errors: number; readonly requests: number }
export interface LoadBalancerBenchResult {
  readonly ratePerSecond: number;
  readonly direct: Side;
  readonly throughLb: Side;
  /** A minimal Node proxy (node:http and undici, no weights, no records), measured beside the load balancer. */
  readonly throughReference: Side;
  readonly p99AddedMs: number;
  readonly maxThroughput: { readonly direct: number; readonly throughLb: number; readonly throughReference: number; readonly ratio: number };
  readonly targets: { readonly p99AddedUnder1Ms: boolean; readonly throughputAtLeastHalf: boolean };
}

// The upstream runs in its own process, so the load balancer's work is not mixed with it.
const UPSTREAM = `
const http = require("node:http");
const s = http.createServer({ keepAlive: true, keepAliveTimeout: 65000 }, (req, res) => { req.resume(); res.writeHead(200, { "content-type": "text/plain" }).end("ok"); });
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.on("SIGTERM", () => s.close(() => process.exit(0)));`;

export async function benchLoadBalancer(options: LoadBalancerBenchOptions = {}): Promise<LoadBalancerBenchResult> {
  const rate = options.ratePerSecond ?? 1_000;
  const durationMs = options.durationMs ?? 5_000;
  const maxDurationMs = options.maxDurationMs ?? 3_000;
  const workers = options.maxWorkers ?? 32;
  const print = options.print ?? ((line: string) => void process.stdout.write(line + "\n"));
  const binary = labTool("vegeta");
  const { child, url: upstream } = await startUpstream();
  const lb = await new LoadBalancer().withNodes("blue", [{ name: "upstream", url: upstream }]).start();
  const reference = await startReferenceProxy(upstream);
  const dir = mkdtempSync(join(tmpdir(), "kuh-bench-lb-"));
  let slice = 0;
  try {
    // vegeta writes its results to a file and `vegeta report` reads them afterwards: the process
    // that runs the load balancer does no bench bookkeeping while the requests go through it.
    const run = async (url: string, ratePerSecond: number, ms: number, into?: string[], w?: number): Promise<void> => {
      const file = join(dir, `slice-${++slice}.bin`);
      await attackToFile(binary, `${url}/bench`, ratePerSecond, ms, file, w);
      into?.push(file);
    };
    const targets = [upstream, reference.url, lb.url];
    for (const url of targets) await run(url, rate, 1_000); // warm-up: connections, JIT
    // The three sides alternate in 1 s slices, so all see the same background load.
    const fixed: string[][] = [[], [], []];
    for (let left = durationMs; left > 0; left -= 1_000) {
      for (const [i, url] of targets.entries()) await run(url, rate, Math.min(1_000, left), fixed[i]);
    }
    const max: string[][] = [[], [], []];
    for (let left = maxDurationMs; left > 0; left -= 1_000) {
      for (const [i, url] of targets.entries()) await run(url, 1_000_000, Math.min(1_000, left), max[i], workers);
    }
    const [d, ref, l] = await Promise.all(fixed.map((files) => vegetaReport(binary, files)));
    const [md, mref, ml] = (await Promise.all(max.map((files) => vegetaReport(binary, files)))).map((r) => r.ok / (maxDurationMs / 1_000));
    const result: LoadBalancerBenchResult = {
      ratePerSecond: rate, direct: side(d!), throughLb: side(l!), throughReference: side(ref!), p99AddedMs: l!.p99Ms - d!.p99Ms,
      maxThroughput: { direct: md!, throughLb: ml!, throughReference: mref!, ratio: ml! / md! },
      targets: { p99AddedUnder1Ms: l!.p99Ms - d!.p99Ms < 1, throughputAtLeastHalf: ml! >= md! / 2 },
    };
    report(result, print);
    return result;
  } finally {
    await lb.stop();
    await new Promise((r) => reference.server.close(r));
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A minimal Node proxy: read the request, ask the upstream through undici, answer. It does none of
 * the load balancer's work (weights, retries, records, gates): measured beside it, it shows how
 * much of the overhead is Node's HTTP stack on this machine rather than the load balancer.
 */
async function startReferenceProxy(upstream: string): Promise<{ server: Server; url: string }> {
  const pool = new Pool(upstream, { pipelining: 1 });
  const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, (req, res) => {
    req.resume();
    pool.request({ method: "GET", path: req.url ?? "/" })
      .then(async (r) => {
        const body = Buffer.from(await r.body.arrayBuffer());
        res.writeHead(r.statusCode, { "content-type": "text/plain", "content-length": body.length }).end(body);
      })
      .catch(() => res.writeHead(502).end());
  });
  server.on("close", () => void pool.close());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const side = ({ p50Ms, p99Ms, errors, requests }: Side): Side => ({ p50Ms, p99Ms, errors, requests });

/** One vegeta attack whose results go to `file` (vegeta's own format). */
async function attackToFile(binary: string, url: string, ratePerSecond: number, ms: number, file: string, workers?: number): Promise<void> {
  const args = [
    "attack", "-format=json", "-targets=stdin", `-rate=${ratePerSecond}/1s`, `-duration=${ms}ms`, "-timeout=5s", "-max-body=0", `-output=${file}`,
    // Fixed-rate runs: 10 workers to start with, more as the rate needs; max-throughput runs: exactly `workers`.
    ...(workers ? [`-workers=${workers}`, `-max-workers=${workers}`] : ["-workers=10"]),
  ];
  const out = await runTool(binary, args, JSON.stringify({ method: "GET", url, header: { "X-Kuh-Probe": ["bench"] } }) + "\n", ms + 30_000);
  if (out.code !== 0) throw new HarnessError(`vegeta attack on ${url} exited ${out.code}: ${out.stderr.trim().slice(-500)}`);
}

/** `vegeta report -type=json` over the slices of one side. */
async function vegetaReport(binary: string, files: readonly string[]): Promise<Side & { ok: number }> {
  const out = await runTool(binary, ["report", "-type=json", ...files], "", 60_000);
  if (out.code !== 0) throw new HarnessError(`vegeta report exited ${out.code}: ${out.stderr.trim().slice(-500)}`);
  const r = JSON.parse(out.stdout) as { requests: number; latencies: Record<string, number>; status_codes: Record<string, number> };
  const ok = r.status_codes["200"] ?? 0;
  return { p50Ms: r.latencies["50th"]! / 1e6, p99Ms: r.latencies["99th"]! / 1e6, errors: r.requests - ok, requests: r.requests, ok };
}

function runTool(binary: string, args: readonly string[], stdin: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new HarnessError(`${binary} ${args[0] ?? ""} not finished after ${timeoutMs}ms`)); }, timeoutMs);
    child.once("error", (e) => { clearTimeout(timer); reject(e); });
    child.once("close", (code) => { clearTimeout(timer); resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }); });
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin);
  });
}

function report(r: LoadBalancerBenchResult, print: (line: string) => void): void {
  const f = (n: number): string => n.toFixed(3).padStart(11);
  const t = (n: number): string => n.toFixed(0).padStart(11);
  const mark = (b: boolean): string => (b ? "met" : "NOT MET");
  const [d, ref, lb] = [r.direct, r.throughReference, r.throughLb];
  const m = r.maxThroughput;
  print(`Load balancer overhead at ${r.ratePerSecond} requests/s (vegeta, same upstream)`);
  print(`                       direct  ref. proxy  through LB   LB/direct  LB/ref.`);
  print(`  p50 latency ms  ${f(d.p50Ms)} ${f(ref.p50Ms)} ${f(lb.p50Ms)} ${f(lb.p50Ms / d.p50Ms)} ${f(lb.p50Ms / ref.p50Ms).slice(2)}`);
  print(`  p99 latency ms  ${f(d.p99Ms)} ${f(ref.p99Ms)} ${f(lb.p99Ms)} ${f(lb.p99Ms / d.p99Ms)} ${f(lb.p99Ms / ref.p99Ms).slice(2)}`);
  print(`  errors          ${t(d.errors)} ${t(ref.errors)} ${t(lb.errors)}`);
  print(`  max requests/s  ${t(m.direct)} ${t(m.throughReference)} ${t(m.throughLb)} ${f(m.ratio)} ${f(m.throughLb / m.throughReference).slice(2)}`);
  print(`  p99 added ${r.p99AddedMs.toFixed(3)} ms (target < 1 ms: ${mark(r.targets.p99AddedUnder1Ms)}); throughput ratio ${m.ratio.toFixed(2)} (target >= 0.5: ${mark(r.targets.throughputAtLeastHalf)})`);
  const refAdded = ref.p99Ms - d.p99Ms;
  const refRatio = m.throughReference / m.direct;
  print(`  reference proxy, same targets: p99 added ${refAdded.toFixed(3)} ms (${mark(refAdded < 1)}); throughput ratio ${refRatio.toFixed(2)} (${mark(refRatio >= 0.5)})`);
}

function startUpstream(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["-e", UPSTREAM], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill("SIGTERM"), reject(new Error("bench upstream did not report its port after 10000ms"))), 10_000);
    child.once("error", reject);
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${Number(line)}` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchLoadBalancer();
  process.exitCode = r.targets.p99AddedUnder1Ms && r.targets.throughputAtLeastHalf ? 0 : 1;
}
