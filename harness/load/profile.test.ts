import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import type { Probe } from "../scenario/seed.ts";
import { accessLogReplay, attackOptionsOf, compileProfile, constant, defineProfile, profileProbes, ramp, type LoadProfile, type PacedLoad } from "./profile.ts";

const probe = (name: string, method: string, path: string, extra: Partial<Probe> = {}): Probe =>
  ({ name, method, path: `${path}?probe=${name}`, headers: { "x-kuh-probe": name }, expect: [200], fromUpstream: true, ...extra });

/** Probes as the configuration generator names them. */
const PROBES: Probe[] = [
  probe("products", "GET", "/catalog/products", { route: "routes/catalog-products", purpose: "reach" }),
  probe("products:cors-preflight", "OPTIONS", "/catalog/products", { route: "routes/catalog-products", purpose: "cors-preflight" }),
  probe("cart", "GET", "/cart", { route: "routes/cart-view", credential: "key-auth", purpose: "reach" }),
  probe("cart:no-credentials", "GET", "/cart", { route: "routes/cart-view", credential: "none", purpose: "no-credentials", expect: [401] }),
  probe("cart:key-auth", "GET", "/cart", { route: "routes/cart-view", credential: "key-auth", purpose: "credential" }),
  probe("items:key-auth", "POST", "/cart/items", { route: "routes/cart-items-add", credential: "key-auth", purpose: "credential" }),
  probe("webhook:basic-auth", "POST", "/checkout/webhooks", { route: "routes/psp-webhook", credential: "basic-auth", purpose: "credential", body: "{\"event\":\"paid\"}" }),
];
const CTX = { probes: PROBES, rate: 20 };
const BASE = "http://127.0.0.1:9000";

const mixProfile = (mix: LoadProfile["mix"], rate?: LoadProfile["rate"]): LoadProfile => ({ name: "t", description: "test", mix, ...(rate ? { rate } : {}) });
const namesPerCycle = (profile: LoadProfile): Record<string, number> => {
  const load = compileProfile(profile, CTX, BASE);
  if (load.kind !== "constant") throw new Error("expected constant load");
  const counts: Record<string, number> = {};
  for (const t of load.targets) counts[t.name] = (counts[t.name] ?? 0) + 1;
  return counts;
};

describe("load: profiles", function () {
  it("every probe at weight 1, constant: one target per probe, in the run's order, at --rate", function () {
    const load = compileProfile(mixProfile([{ all: true }]), CTX, BASE);
    expect(load.kind).to.equal("constant");
    if (load.kind !== "constant") return;
    expect(load.ratePerSecond).to.equal(20);
    expect(load.targets.map((t) => t.name)).to.deep.equal(PROBES.map((p) => p.name));
    expect(load.targets[0]).to.deep.equal({ name: "products", method: "GET", url: `${BASE}/catalog/products?probe=products`, headers: { "x-kuh-probe": "products" } });
    // A write carries its probe's body, or "{}".
    expect(load.targets.find((t) => t.name === "items:key-auth")?.body).to.equal("{}");
    expect(load.targets.find((t) => t.name === "webhook:basic-auth")?.body).to.equal("{\"event\":\"paid\"}");
    expect(attackOptionsOf(load)).to.deep.equal({ targets: load.targets, ratePerSecond: 20 });
  });

  it("picks by route name or key, credential kind, purpose, method and path; weights add up", function () {
    expect(namesPerCycle(mixProfile([
      { route: "catalog-products", method: "GET", weight: 4 },
      { route: "routes/cart-view", purpose: "credential", weight: 2 },
      { credential: ["basic-auth"], weight: 1 },
      { path: "/cart/items", weight: 2 },
      { probe: "cart:key-auth", weight: 2 },
    ]))).to.deep.equal({ products: 4, "cart:key-auth": 4, "items:key-auth": 2, "webhook:basic-auth": 1 });
  });

  it("share splits one weight among the probes an entry picks", function () {
    expect(namesPerCycle(mixProfile([
      { purpose: "credential", share: 6 },
      { purpose: "no-credentials", share: 1 },
    ]))).to.deep.equal({ "cart:key-auth": 2, "items:key-auth": 2, "webhook:basic-auth": 2, "cart:no-credentials": 1 });
  });

  it("an entry that matches no probe is an error naming it", function () {
    const profile = mixProfile([{ all: true }, { route: "catalog-prodcuts" }, { credential: "jwt", purpose: "credential" }]);
    expect(() => compileProfile(profile, CTX, BASE)).to.throw(InvalidConfigError,
      'load profile "t": mix entry 2 { route: "catalog-prodcuts" }, mix entry 3 { credential: "jwt", purpose: "credential" } match none of the run\'s 7 probes');
  });

  it("a shaped rate is paced: one target per probe, the schedule cycles them at the shape's pace", function () {
    const load = compileProfile(mixProfile([{ route: "cart-view", weight: 1 }], (ctx) => ramp(0, ctx.rate, 1000)), CTX, BASE) as PacedLoad;
    expect(load.kind).to.equal("paced");
    expect(load.targets.map((t) => t.name)).to.deep.equal(["cart", "cart:no-credentials", "cart:key-auth"]);
    expect(load.peakRatePerSecond).to.equal(20);
    expect(load.schedule.dueBy(1000)).to.equal(10);
    expect(Array.from({ length: 4 }, (_, k) => load.schedule.targetOf(k))).to.deep.equal([0, 1, 2, 0]);
    expect(attackOptionsOf(load)).to.deep.equal({ targets: load.targets, ratePerSecond: 20, schedule: load.schedule });
    expect(load.description).to.equal("t: 3 probes in a cycle of 3, ramp 0/s -> 20/s over 1000 ms, then 20/s");
  });

  it("defineProfile refuses, all at once, what can be known without a run", function () {
    expect(() => defineProfile({ name: "x y", description: "", mix: [{ weight: 0 }, { all: true, weight: 1, share: 2 }] })).to.throw(InvalidConfigError)
      .that.has.property("problems").that.deep.equals([
        'profile name must be letters, digits, "-", "_" or ".", got "x y"',
        'profile "x y" needs a description',
        'profile "x y": mix entry 1 {} picks no probe: give probe, route, path, method, credential or purpose, or all: true',
        'profile "x y": mix entry 1 {}: weight must be a number > 0, got 0',
        'profile "x y": mix entry 2 { all: true } has both weight and share: give one',
      ]);
    expect(() => defineProfile({ name: "n", description: "d" })).to.throw(InvalidConfigError, 'profile "n" needs exactly one of mix and replay');
    const ok = { name: "n", description: "d", mix: [{ all: true as const }], rate: constant(5) };
    expect(defineProfile(ok)).to.equal(ok);
  });

  describe("replay", function () {
    let replayProfile: LoadProfile;
    before(function () {
      const dir = mkdtempSync(join(tmpdir(), "kuh-profile-"));
      const file = join(dir, "access.log");
      const at = (s: number, req: string): string => `203.0.113.7 - - [14/Mar/2025:10:15:0${s} +0000] "${req} HTTP/1.1" 200 12 "-" "curl/8"`;
      writeFileSync(file, [at(0, "GET /search?q=a"), at(1, "GET /search?q=b"), at(2, "POST /cart/items"), at(3, "GET /search?q=a")].join("\n"));
      replayProfile = defineProfile({ name: "replay", description: "d", replay: accessLogReplay({ file, speed: 2 }) });
    });

    it("brings its request shapes as probes; targets keep each line's query with probe=<name>", function () {
      const extra = profileProbes(replayProfile);
      expect(extra.map((p) => p.name)).to.deep.equal(["log-get-search", "log-post-cart-items"]);
      const load = compileProfile(replayProfile, { probes: [...PROBES, ...extra], rate: 20 }, BASE) as PacedLoad;
      expect(load.kind).to.equal("paced");
      expect(load.extraProbes).to.deep.equal(extra);
      expect(load.targets.map((t) => [t.name, t.method, t.url])).to.deep.equal([
        ["log-get-search", "GET", `${BASE}/search?q=a&probe=log-get-search`],
        ["log-get-search", "GET", `${BASE}/search?q=b&probe=log-get-search`],
        ["log-post-cart-items", "POST", `${BASE}/cart/items?probe=log-post-cart-items`],
      ]);
      expect(load.targets[2]!.body).to.equal("{}");
      // One line per logged second, at speed 2: due at 0, 500, 1000, 1500 ms, then looping.
      expect([0, 499, 500, 1000, 1500].map((t) => load.schedule.dueBy(t))).to.deep.equal([1, 1, 2, 3, 4]);
      expect(Array.from({ length: 5 }, (_, k) => load.schedule.targetOf(k))).to.deep.equal([0, 1, 2, 0, 0]);
    });

    it("leaves out shapes the baseline dropped, and refuses a run that baselined none of them", function () {
      const extra = profileProbes(replayProfile);
      const load = compileProfile(replayProfile, { probes: [...PROBES, extra[0]!], rate: 20 }, BASE);
      expect(load.targets.map((t) => t.name)).to.deep.equal(["log-get-search", "log-get-search"]);
      expect(load.description).to.match(/; left out, the baseline could not serve them: 1 request shape \(1 request\)$/);
      expect(() => compileProfile(replayProfile, CTX, BASE)).to.throw(InvalidConfigError, "add profileProbes(profile) to the run's probes before the baseline");
    });

    it("keeps the log's pace: a rate beside a replay is refused", function () {
      expect(() => defineProfile({ ...replayProfile, rate: constant(5) })).to.throw(InvalidConfigError, "a replay keeps the log's own pace; drop rate");
    });
  });
});
