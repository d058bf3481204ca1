// experiment: throughput variants, CPU per request by process
import { readFileSync, mkdtempSync } from "node:fs";
import { execSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, Wait } from "testcontainers";
import { labImage, labTool } from "./harness/runtime/lab-state.ts";
import { CONFIG_PATH, freePort } from "./harness/traffic/haproxy/container.ts";
import { JsonlRequestSink, LoadBalancer } from "./harness/traffic/index.ts";
import { attackToFile, BENCH_PROBE, startUpstream, vegetaReport } from "./bench/support/vegeta.ts";

const binary = labTool("vegeta");
const dir = mkdtempSync(join(tmpdir(), "exp-"));
const upstream = await startUpstream(200);
const up = new URL(upstream.url);
const extra = (process.env.EXTRA ?? "").split("|").filter(Boolean);
async function bare(label: string, opts: string[], sec: boolean, globalExtra: string[] = []) {
  const port = await freePort();
  const config = ["global", "  nbthread 1", "  maxconn 5000", ...globalExtra, "", "defaults", "  mode http", "  option http-keep-alive", "  timeout connect 5s", "  timeout client 120s", "  timeout server 10s", "  timeout http-keep-alive 65s", "",
    "frontend bare", `  bind 127.0.0.1:${port}`, "  default_backend upstream", "", "backend upstream", ...opts, `  server upstream ${up.hostname}:${up.port}`, ""].join("\n");
  let c = new GenericContainer(labImage("haproxy")).withNetworkMode("host").withCopyContentToContainer([{ content: config, target: CONFIG_PATH }]).withCommand(["haproxy", "-W", "-f", CONFIG_PATH]).withWaitStrategy(Wait.forLogMessage(/Loading success/));
  if (sec) c = c.withSecurityOpt("seccomp=unconfined");
  const s = await c.start();
  return { label, url: `http://127.0.0.1:${port}`, stop: () => s.stop({ timeout: 1000 }) };
}
const targets: { label: string; url: string; stop?: () => Promise<unknown> }[] = [{ label: "direct", url: upstream.url }];
targets.push(await bare("bare-safe", ["  http-reuse safe"], false));
targets.push(await bare("bare-safe-unconf", ["  http-reuse safe"], true));
targets.push(await bare("bare-always", ["  http-reuse always"], false));
const sink = new JsonlRequestSink(join(dir, "r.jsonl"));
const lb = await new LoadBalancer().withSink(sink).withBaseline({ [BENCH_PROBE]: 200 }).withErrorBudget({ maxFailures: 50 }).withNodes("blue", [{ name: "upstream", url: upstream.url }]).start();
targets.push({ label: "harness", url: lb.url, stop: () => lb.stop() });
function cpu(pid: number): number { try { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) * 10; } catch { return 0; } }
function total(): number { const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number); return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) * 10; }
const hpids = () => execSync("pgrep -x haproxy || true").toString().trim().split("\n").filter(Boolean).map(Number);
const acc = targets.map(() => ({ files: [] as string[], up: 0, self: 0, hap: 0, tot: 0 }));
let n = 0;
for (const i of targets.keys()) await attackToFile(binary, `${targets[i]!.url}/bench`, 1000, 1000, join(dir, `w${i}.bin`));
for (let r = 0; r < Number(process.env.SLICES ?? 6); r++) for (const i of targets.keys()) {
  const f = join(dir, `s${++n}.bin`);
  const hp = hpids();
  const b = { up: cpu(upstream.child.pid!), self: cpu(process.pid), hap: hp.reduce((a, p) => a + cpu(p), 0), tot: total() };
  await attackToFile(binary, `${targets[i]!.url}/bench`, 1_000_000, 1000, f, 32);
  const a = acc[i]!; a.files.push(f);
  a.up += cpu(upstream.child.pid!) - b.up; a.self += cpu(process.pid) - b.self; a.hap += hp.reduce((x, p) => x + cpu(p), 0) - b.hap; a.tot += total() - b.tot;
}
const base = await vegetaReport(binary, acc[0]!.files);
for (const i of targets.keys()) {
  const r = await vegetaReport(binary, acc[i]!.files); const a = acc[i]!;
  const per = (ms: number) => (ms * 1000 / r.ok).toFixed(1);
  console.log(`${targets[i]!.label.padEnd(18)} ok/s ${(r.ok / a.files.length).toFixed(0).padStart(6)} ratio ${(r.ok / base.ok).toFixed(2)}  µs/req: upstream ${per(a.up)} harness ${per(a.self)} haproxy ${per(a.hap)} total ${per(a.tot)} (vegeta≈${per(a.tot - a.up - a.self - a.hap)})`);
}
for (const t of targets) await t.stop?.().catch(() => undefined);
upstream.child.kill("SIGTERM");
process.exit(0);
