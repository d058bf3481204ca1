// What the load balancer benchmarks share: a local upstream in its own process, vegeta attacks
// whose results go to a file (so the process under test does no bench bookkeeping while requests
// go through it), and `vegeta report` over those files.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { HarnessError } from "../../harness/errors.ts";

/** vegeta's probe header: the records name the probe, and the baseline expects 200 for it. */
export const BENCH_PROBE = "bench";

// The upstream runs in its own process, so the load balancer's work is not mixed with it.
const UPSTREAM = `
const http = require("node:http");
const status = Number(process.argv[1]);
const s = http.createServer({ keepAlive: true, keepAliveTimeout: 65000 }, (req, res) => { req.resume(); res.writeHead(status, { "content-type": "text/plain" }).end("ok"); });
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.on("SIGTERM", () => s.close(() => process.exit(0)));`;

export interface Upstream { readonly child: ChildProcess; readonly url: string }

/** An HTTP server on 127.0.0.1 that answers every request with `status` and "ok". */
export function startUpstream(status = 200): Promise<Upstream> {
  const child = spawn(process.execPath, ["-e", UPSTREAM, String(status)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill("SIGTERM"), reject(new HarnessError("bench upstream did not report its port after 10000ms"))), 10_000);
    child.once("error", reject);
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${Number(line)}` });
    });
  });
}

/** One vegeta attack whose results go to `file` (vegeta's own format). */
export async function attackToFile(binary: string, url: string, ratePerSecond: number, ms: number, file: string, workers?: number): Promise<void> {
  const args = [
    "attack", "-format=json", "-targets=stdin", `-rate=${ratePerSecond}/1s`, `-duration=${ms}ms`, "-timeout=5s", "-max-body=0", `-output=${file}`,
    // Fixed-rate runs: 10 workers to start with, more as the rate needs; max-throughput runs: exactly `workers`.
    ...(workers ? [`-workers=${workers}`, `-max-workers=${workers}`] : ["-workers=10"]),
  ];
  const out = await runTool(binary, args, JSON.stringify({ method: "GET", url, header: { "X-Kuh-Probe": [BENCH_PROBE] } }) + "\n", ms + 30_000);
  if (out.code !== 0) throw new HarnessError(`vegeta attack on ${url} exited ${out.code}: ${out.stderr.trim().slice(-500)}`);
}

export interface VegetaSummary { readonly p50Ms: number; readonly p99Ms: number; readonly errors: number; readonly requests: number; readonly ok: number }

/** `vegeta report -type=json` over the result files of one side. */
export async function vegetaReport(binary: string, files: readonly string[]): Promise<VegetaSummary> {
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

export const mark = (met: boolean): string => (met ? "met" : "NOT MET");
