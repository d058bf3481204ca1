// Stand-in proxy throughput: one `kong docker-start` stand-in node (local process) on a real Postgres,
// driven by vegeta at a fixed rate straight at the upstream and then through the node, with p50/p99
// side by side; then fixed-rate steps to find the rate the node sustains. Target: >= 2,000 req/s.
// Run directly: node --import tsx bench/standin-proxy.ts
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { PostgreSqlContainer } from "@testcontainers/postgresql";
import { request } from "undici";
import { attack, type AttackSummary } from "../harness/load/index.ts";
import { withPostgresAuth } from "../harness/datastore/postgres.ts";
import { HarnessError } from "../harness/errors.ts";
import { labImage, labTool } from "../harness/runtime/lab-state.ts";
import { configureTestcontainers } from "../harness/runtime/testcontainers-env.ts";
import { pgEnv, runKong, startLocalKong } from "../test/support/standin.ts";

const VERSION = "2.6.0";
const TARGET_RPS = 2_000;
const STEPS = [1_000, 2_000, 3_000, 4_000];

export interface Side { readonly rps: number; readonly p50Ms: number; readonly p99Ms: number; readonly ok: number; readonly requests: number }
export interface StandinBenchResult {
  readonly ratePerSecond: number;
  readonly direct: Side;
  readonly throughNode: Side;
  readonly steps: ReadonlyArray<Side & { readonly rate: number; readonly sustained: boolean }>;
  readonly maxSustained: number;
  readonly targetMet: boolean;
}

const UPSTREAM = `
const http = require("node:http");
const s = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => { req.resume(); res.writeHead(200, { "content-type": "text/plain" }).end("ok"); });
s.listen(0, "127.0.0.1", () => console.log(s.address().port));
process.on("SIGTERM", () => s.close(() => process.exit(0)));`;

function startUpstream(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["-e", UPSTREAM], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill("SIGTERM"), reject(new HarnessError("bench upstream did not report its port after 10000ms"))), 10_000);
    createInterface({ input: child.stdout! }).once("line", (line) => { clearTimeout(timer); resolve({ child, port: Number(line) }); });
  });
}

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const ok = await request(url).then(async (r) => { await r.body.dump(); return r.statusCode === 200; }, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new HarnessError(`stand-in node ${url} not ready after ${timeoutMs}ms`);
}

async function post(url: string, body: unknown): Promise<void> {
  const r = await request(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await r.body.text();
  if (r.statusCode !== 201) throw new HarnessError(`POST ${url} answered ${r.statusCode}: ${text}`);
}

function side(s: AttackSummary, durationMs: number): Side {
  return { rps: (s.statusCounts["200"] ?? 0) / (durationMs / 1000), p50Ms: s.latencyMs.p50, p99Ms: s.latencyMs.p99, ok: s.statusCounts["200"] ?? 0, requests: s.requests };
}

export async function benchStandinProxy(opts: { ratePerSecond?: number; durationMs?: number; print?: (l: string) => void } = {}): Promise<StandinBenchResult> {
  const rate = opts.ratePerSecond ?? 1_000;
  const durationMs = opts.durationMs ?? 5_000;
  const print = opts.print ?? ((l: string) => void process.stdout.write(`${l}\n`));
  configureTestcontainers();
  const binary = labTool("vegeta");
  // md5: every stand-in version logs in (Kong before 2.7.0 has no SCRAM).
  const pg = await withPostgresAuth(new PostgreSqlContainer(labImage("postgres")).withUsername("kong").withPassword("kong").withDatabase("kong"), "md5", { user: "kong", password: "kong" }).start();
  const upstream = await startUpstream();
  const env = { ...pgEnv({ host: pg.getHost(), port: pg.getPort(), user: "kong", password: "kong", database: "kong" }) };
  let node: ReturnType<typeof startLocalKong> | undefined;
  try {
    const boot = await runKong(VERSION, ["migrations", "bootstrap"], env);
    if (boot.exitCode !== 0) throw new HarnessError(`kong migrations bootstrap exited ${boot.exitCode}: ${boot.stderr}`);
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    node = startLocalKong(VERSION, { ...env, KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}` });
    const admin = `http://127.0.0.1:${adminPort}`;
    await waitFor(`${admin}/status`, 30_000);
    await post(`${admin}/services`, { name: "bench", url: `http://127.0.0.1:${upstream.port}` });
    await post(`${admin}/services/bench/routes`, { paths: ["/bench"] });
    const run = async (url: string, r: number, ms: number): Promise<AttackSummary> =>
      attack({ binary, targets: [{ name: "bench", method: "GET", url }], ratePerSecond: r, durationMs: ms, timeoutMs: 2_000 });
    const viaNode = `http://127.0.0.1:${proxyPort}/bench`;
    await run(viaNode, 200, 1_000); // warm-up: router build, connection pools
    const direct = side(await run(`http://127.0.0.1:${upstream.port}/bench`, rate, durationMs), durationMs);
    const throughNode = side(await run(viaNode, rate, durationMs), durationMs);
    const steps: Array<Side & { rate: number; sustained: boolean }> = [];
    for (const r of STEPS) {
      const s = side(await run(viaNode, r, durationMs), durationMs);
      // Sustained: every request answered 200, at the offered rate, with p99 under 100 ms.
      const sustained = s.ok === s.requests && s.requests >= r * (durationMs / 1000) * 0.98 && s.p99Ms < 100;
      steps.push({ ...s, rate: r, sustained });
      if (!sustained) break;
    }
    const maxSustained = Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.rate));
    const result = { ratePerSecond: rate, direct, throughNode, steps, maxSustained, targetMet: maxSustained >= TARGET_RPS };
    report(result, print);
    return result;
  } finally {
    await node?.stop();
    upstream.child.kill("SIGTERM");
    await pg.stop();
  }
}

function report(r: StandinBenchResult, print: (l: string) => void): void {
  const f = (n: number): string => n.toFixed(3).padStart(9);
  const t = (n: number): string => n.toFixed(0).padStart(9);
  print(`Stand-in node (kong ${VERSION}) proxy at ${r.ratePerSecond} requests/s, plain GET (vegeta)`);
  print(`                     direct   via node      ratio`);
  print(`  requests/s      ${t(r.direct.rps)}  ${t(r.throughNode.rps)}  ${f(r.throughNode.rps / r.direct.rps)}`);
  print(`  p50 latency ms  ${f(r.direct.p50Ms)}  ${f(r.throughNode.p50Ms)}  ${f(r.throughNode.p50Ms / r.direct.p50Ms)}`);
  print(`  p99 latency ms  ${f(r.direct.p99Ms)}  ${f(r.throughNode.p99Ms)}  ${f(r.throughNode.p99Ms / r.direct.p99Ms)}`);
  print(`  non-200         ${t(r.direct.requests - r.direct.ok)}  ${t(r.throughNode.requests - r.throughNode.ok)}`);
  print(`Fixed-rate steps through the node (sustained = all 200, full rate, p99 < 100 ms):`);
  for (const s of r.steps) print(`  ${String(s.rate).padStart(5)}/s: ${t(s.rps)} ok/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  ${s.sustained ? "sustained" : "NOT sustained"}`);
  print(`Max sustained ${r.maxSustained} requests/s (target >= ${TARGET_RPS}: ${r.targetMet ? "met" : "NOT MET"})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await benchStandinProxy();
  process.exitCode = r.targetMet ? 0 : 1;
}
