// The profiles shipped in load/ against the runs they are made for: the built-in seed's probes and
// the probes generated from examples/storefront/kong.yaml.
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { loadConfig } from "../../harness/config/declarative.ts";
import { configProbes } from "../../harness/config/config-probes.ts";
import { ofKind } from "../../harness/config/model.ts";
import { routeFor, routeShape } from "../../harness/config/route-matcher.ts";
import { compileProfile, profileProbes, type CompiledLoad, type LoadProfile, type PacedLoad } from "../../harness/load/profile.ts";
import { SEED_PROBES, probeBody, type Probe } from "../../harness/scenario/seed.ts";
import defaultProfile from "../../load/default.ts";
import readHeavy from "../../load/read-heavy.ts";
import authMix from "../../load/auth-mix.ts";
import storefront from "../../load/storefront.ts";
import accessLogReplayProfile from "../../load/access-log-replay.ts";

const LB = "http://127.0.0.1:8000";
const STOREFRONT = fileURLToPath(new URL("../../examples/storefront/kong.yaml", import.meta.url));

/** Requests per probe name over `n` requests of a compiled load. */
function share(load: CompiledLoad, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const t = load.kind === "constant" ? load.targets[k % load.targets.length]! : load.targets[load.schedule.targetOf(k)]!;
    counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  }
  return counts;
}
const sumWhere = (counts: Map<string, number>, probes: readonly Probe[], pick: (p: Probe) => boolean): number =>
  probes.filter(pick).reduce((a, p) => a + (counts.get(p.name) ?? 0), 0);

describe("load: shipped profiles", function () {
  const config = loadConfig(STOREFRONT, "2.5.1");
  const storefrontProbes = configProbes(config).probes;

  it("default: exactly the built-in mix, one target per probe in SEED_PROBES' order, at --rate", function () {
    const load = compileProfile(defaultProfile, { probes: SEED_PROBES, rate: 20 }, LB);
    expect(load).to.deep.include({ kind: "constant", ratePerSecond: 20 });
    const body = (p: Probe): { body?: string } => (probeBody(p) !== undefined ? { body: probeBody(p)! } : {});
    expect(load.kind === "constant" && load.targets).to.deep.equal(SEED_PROBES.map((p) => ({ name: p.name, method: p.method, url: `${LB}${p.path}`, headers: p.headers, ...body(p) })));
  });

  it("read-heavy: each GET probe nine times as often as each write, constant", function () {
    const load = compileProfile(readHeavy, { probes: SEED_PROBES, rate: 20 }, LB);
    expect(load.kind).to.equal("constant");
    const counts = share(load, load.targets.length);
    for (const p of SEED_PROBES) expect(counts.get(p.name), p.name).to.equal(p.method === "GET" ? 9 : 1);
    // A run with reads only sends reads only.
    const reads = SEED_PROBES.filter((p) => p.method === "GET");
    const readsOnly = compileProfile(readHeavy, { probes: reads, rate: 20 }, LB);
    expect(new Set(readsOnly.targets.map((t) => t.name))).to.deep.equal(new Set(reads.map((p) => p.name)));
  });

  it("auth-mix: valid credentials of each kind : none : wrong = 3 : 1 : 1, in steps", function () {
    const load = compileProfile(authMix, { probes: storefrontProbes, rate: 20 }, LB) as PacedLoad;
    expect(load.kind).to.equal("paced");
    const n = 997 * 3;
    const counts = share(load, n);
    const valid = sumWhere(counts, storefrontProbes, (p) => p.purpose === "credential");
    const none = sumWhere(counts, storefrontProbes, (p) => p.purpose === "no-credentials");
    const wrong = sumWhere(counts, storefrontProbes, (p) => p.purpose === "wrong-credentials");
    expect(valid + none + wrong).to.equal(n);
    expect(valid / n).to.be.closeTo(0.6, 0.01);
    expect(none / n).to.be.closeTo(0.2, 0.01);
    expect(wrong / n).to.be.closeTo(0.2, 0.01);
    const kinds = ["key-auth", "basic-auth"].map((k) => sumWhere(counts, storefrontProbes, (p) => p.purpose === "credential" && p.credential === k));
    expect(kinds[0]! / kinds[1]!).to.be.closeTo(1, 0.02);
    // Half of --rate, --rate, twice --rate, then --rate.
    expect([0, 20_000, 40_000, 60_000, 90_000].map((t) => load.schedule.dueBy(t + 1000) - load.schedule.dueBy(t))).to.deep.equal([10, 20, 40, 20, 20]);
  });

  it("storefront: every route it names is a route of examples/storefront/kong.yaml, every entry picks probes, spikes every 30 s", function () {
    const routes = new Set(ofKind(config, "routes").map((r) => String(r.fields.name)));
    const named = (storefront.mix as readonly { route?: string | readonly string[] }[]).flatMap((e) => (e.route === undefined ? [] : typeof e.route === "string" ? [e.route] : [...e.route]));
    expect(named.filter((r) => !routes.has(r))).to.deep.equal([]);
    const load = compileProfile(storefront, { probes: storefrontProbes, rate: 20 }, LB) as PacedLoad;
    expect(load.kind).to.equal("paced");
    expect(load.peakRatePerSecond).to.equal(60);
    // 20/s, and 60/s during [30 s, 35 s).
    expect(load.schedule.dueBy(30_000) - load.schedule.dueBy(29_000)).to.equal(20);
    expect(load.schedule.dueBy(31_000) - load.schedule.dueBy(30_000)).to.equal(60);
    // Browsing (catalog and search reads) is the larger part.
    const counts = share(load, 997);
    const browse = sumWhere(counts, storefrontProbes, (p) => p.method === "GET" && /^routes\/(catalog|search)-/.test(p.route ?? "") && p.purpose === "reach");
    expect(browse / 997).to.be.closeTo(0.58, 0.02);
  });

  it("access-log-replay: examples/storefront/access.log at 4x, every request shape on a route of the storefront", function () {
    const replay = (accessLogReplayProfile as LoadProfile).replay!;
    expect(replay.speed).to.equal(4);
    expect(replay.events.length).to.be.within(290, 310);
    const spanMs = replay.events.at(-1)!.offsetMs * 4;
    expect(spanMs).to.be.within(50_000, 70_000);
    const shapes = ofKind(config, "routes").map((r, i) => routeShape(r, config.format, i));
    const missed = profileProbes(accessLogReplayProfile).filter((p) => !routeFor(shapes, { method: p.method, path: p.path.split("?")[0]!, headers: {}, ...(p.headers.host ? { host: p.headers.host } : {}) }));
    expect(missed.map((p) => `${p.method} ${p.path}`)).to.deep.equal([]);
  });
});
