// The fault kinds the chaos scenario does not exercise, each injected by the nemesis the scenario
// uses and each shown real and recovered by state: a graceful stop (exit 0 after SIGQUIT, out of
// the load balancer, back only after health checks), a restart, a cold extra node of the new
// version, and Toxiproxy's timeout, reset_peer and bandwidth toxics on one node's datastore link
// (that node fails where another succeeds, then works again). Every fault is a `fault` op pair.
import { expect } from "chai";
import { injectFault, type ChaosTargets } from "../../harness/chaos/index.ts";
import type { ResolvedFault } from "../../harness/chaos/schedule.ts";
import type { FaultValue, RequestLine } from "../../harness/checks/records.ts";
import type { StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { admin, containerLog, databaseReachable, faultOps, FaultKindsLab, inspect, NEW, PROBE, until, type LbEvent, type RunResult } from "./fault-kinds-fixture.ts";

/** A hold longer than any test: the run ends it (nemesis.stop() recovers at once). */
const HELD = 120_000;

describe("chaos: stop, restart, extra-node and the timeout, reset_peer and bandwidth toxics", function () {
  this.timeout(120_000);
  let lab: FaultKindsLab;

  before(async function () {
    lab = await FaultKindsLab.start();
  });

  after(async function () {
    await lab?.stop();
  });

  /** The fault op pair is complete (ok), with its nodes and the outcome recovery reported. */
  function recovered(r: RunResult, id: string, nodes: readonly string[], outcome: RegExp): FaultValue {
    const { invoke, completion } = faultOps(r.history, id);
    expect(invoke, `fault ${id} invoked`).to.not.equal(undefined);
    expect([completion?.type, completion?.error], JSON.stringify(completion)).to.deep.equal(["ok", undefined]);
    expect(completion!.timeMs).to.be.greaterThan(invoke.timeMs);
    const v = completion!.value;
    expect(v.nodes).to.deep.equal(nodes);
    expect(v.outcome).to.match(outcome);
    return v;
  }

  const NOTICE_DELIVERY_MS = 25;

  /** A node (re-)registered out of rotation, put in only by a later health flip, and answering load after it, none before. */
  function returnedThroughHealthChecks(r: RunResult, node: string, registration: LbEvent["what"]): void {
    const mine = r.events.filter((e) => e.node === node);
    const reg = mine.findIndex((e) => e.what === registration);
    expect(reg, JSON.stringify(mine)).to.be.at.least(0);
    expect(mine[reg]!.inRotation, `${node} in rotation right after it was ${registration}`).to.equal(false);
    const back = mine.slice(reg + 1).find((e) => e.what === "healthy");
    expect(back, `a health flip of ${node} after it was ${registration}: ${JSON.stringify(mine)}`).to.not.equal(undefined);
    const served = (from: number, to: number) => r.requests.filter((q) => q.node === node && q.status !== null && q.startMs >= from && q.startMs < to).length;
    // HAProxy's notice of the flip reaches the harness a few milliseconds after HAProxy acted on it.
    expect(served(mine[reg]!.atMs, back!.atMs - NOTICE_DELIVERY_MS), `load requests ${node} answered before passing health checks`).to.equal(0);
    expect(served(back!.atMs, Infinity), `load requests ${node} answered once back`).to.be.greaterThan(0);
  }

  /** Keeps the load running until the node answered some of it after its last health flip. */
  const answeredAfterReturn = (node: string) => async (_lb: unknown, events: readonly LbEvent[], requests: readonly RequestLine[]): Promise<void> => {
    const back = await until(`${node} back in rotation`, () => events.findLast((e) => e.node === node && e.what === "healthy"));
    await until(`${node} answered load once back`, () => requests.filter((q) => q.node === node && q.status !== null && q.startMs >= back.atMs).length >= 10);
  };

  it("stop: SIGQUIT, the container exits 0, the load balancer takes the node out and back after health checks; with retries on no request fails", async function () {
    const node = lab.node("blue-1");
    let exit: { Running: boolean; ExitCode: number } | undefined;
    const r = await lab.chaosRun([{ id: "stop-blue-1", kind: "stop", target: { node: "blue-1" }, forMs: HELD, expect: { kind: "zero-failures" } }], {
      load: true,
      during: async (lb) => {
        exit = await until("blue-1's container exited", async () => { const s = await inspect(node); return s.Running ? undefined : s; });
        await until("the load balancer took blue-1 out", () => lb.nodes().some((n) => n.name === "blue-1" && !n.healthy));
      },
      after: answeredAfterReturn("blue-1"),
    });
    expect(exit!.ExitCode, "exit code of a graceful stop").to.equal(0);
    expect(await containerLog(node)).to.contain("signal 3 (SIGQUIT) received, gracefully shutting down");
    recovered(r, "stop-blue-1", ["blue-1"], /^stopped gracefully; started again, back in rotation \d+ms after recovery began$/);
    const seen = r.events.filter((e) => e.node === "blue-1").map((e) => e.what);
    expect(seen.indexOf("unhealthy"), `out of rotation before it was re-registered: ${seen.join(", ")}`).to.be.within(0, seen.indexOf("re-registered"));
    returnedThroughHealthChecks(r, "blue-1", "re-registered");
    expect(r.started, "nodes whose readiness a scenario watches").to.deep.equal(["blue-1 by stop-blue-1"]);
    expect((await inspect(node)).Running).to.equal(true);
    const row = r.rows[0]!;
    expect([r.verdict.status, row.state, row.failures], r.verdict.message).to.deep.equal(["pass", "recovered", 0]);
    expect(row.requests).to.be.greaterThan(50);
  });

  it("restart: the node is stopped gracefully and started again, re-registered out of rotation and back only after health checks; no request fails", async function () {
    const node = lab.node("blue-2");
    const before = (await inspect(node)).StartedAt;
    const r = await lab.chaosRun([{ id: "restart-blue-2", kind: "restart", target: { node: "blue-2" }, expect: { kind: "zero-failures" } }], {
      load: true, after: answeredAfterReturn("blue-2"),
    });
    recovered(r, "restart-blue-2", ["blue-2"], /^restarted \(graceful stop, start\); back in rotation \d+ms after recovery began$/);
    const now = await inspect(node);
    expect([now.Running, now.StartedAt > before], `StartedAt ${before} -> ${now.StartedAt}`).to.deep.equal([true, true]);
    expect(await containerLog(node)).to.contain("signal 3 (SIGQUIT) received, gracefully shutting down");
    returnedThroughHealthChecks(r, "blue-2", "re-registered");
    expect(r.started, "nodes whose readiness a scenario watches").to.deep.equal(["blue-2 by restart-blue-2"]);
    const row = r.rows[0]!;
    expect([r.verdict.status, row.failures], r.verdict.message).to.deep.equal(["pass", 0]);
  });

  it("extra-node: a cold node of the new version joins, serves the seeded probe, and is in rotation only once it passed health checks", async function () {
    const r = await lab.chaosRun([{ id: "extra-green", kind: "extra-node", params: { cluster: "green" }, expect: { kind: "zero-failures" } }], {
      load: true,
      // The new cluster gets the load once its node joined: whatever it answers is load.
      after: async (lb, events, requests) => {
        lb.setWeights({ blue: 0, green: 100 });
        await answeredAfterReturn("green-1")(lb, events, requests);
      },
    });
    recovered(r, "extra-green", ["green-1"], new RegExp(`^green-1 \\(${NEW}\\) started cold and passed health checks \\d+ms after its start began; it stays$`));
    const node = lab.node("green-1");
    expect(lab.green.nodes.map((n) => [n.name, n.image])).to.deep.equal([["green-1", NEW]]);
    expect(((await admin(node, "GET", "/")).json as { version: string }).version).to.equal(NEW.split(":")[1]);
    returnedThroughHealthChecks(r, "green-1", "added");
    expect(r.started, "nodes whose readiness a scenario watches").to.deep.equal(["green-1 by extra-green"]);
    const answers = r.requests.filter((q) => q.node === "green-1").map((q) => q.status);
    expect(new Set(answers), "green-1's answers to the seeded probe").to.deep.equal(new Set([PROBE.expect]));
    expect([r.verdict.status, r.rows[0]!.failures], r.verdict.message).to.deep.equal(["pass", 0]);
  });

  /** Holds a toxic on `faulty`'s datastore link while its Admin write fails and `healthy`'s succeeds; then `faulty` writes again. */
  async function toxicOnOneLink(kind: "timeout" | "reset-peer", faulty: StartedKongContainer, healthy: StartedKongContainer): Promise<void> {
    const id = `${kind}-${faulty.name}`;
    const seen: { during?: { faulty: number; healthy: number } } = {};
    const r = await lab.chaosRun([{ id, kind, target: { node: faulty.name }, forMs: HELD, params: { timeoutMs: kind === "timeout" ? 300 : 0 }, expect: { kind: "proxy-unaffected" } }], {
      during: async () => {
        await until(`toxic on ${faulty.name}'s link`, () => lab.proxies.proxy(faulty.name).getToxic(`fault-${id}`).then(() => true, () => false));
        await until(`${faulty.name}'s /status says the database is unreachable`, async () => !(await databaseReachable(faulty)));
        seen.during = {
          faulty: (await admin(faulty, "POST", "/consumers", { username: `during-${id}-on-${faulty.name}` })).status,
          healthy: (await admin(healthy, "POST", "/consumers", { username: `during-${id}-on-${healthy.name}` })).status,
        };
      },
    });
    expect(seen.during!.faulty, `${faulty.name}'s write while its link has the toxic`).to.be.at.least(500);
    expect(seen.during!.healthy, `${healthy.name}'s write meanwhile`).to.equal(201);
    recovered(r, id, [faulty.name], new RegExp(`^toxic ${kind.replace("-", "_")} \\{"timeout":${kind === "timeout" ? 300 : 0}\\} removed from ${faulty.name}$`));
    expect(await lab.proxies.proxy(faulty.name).getToxic(`fault-${id}`).then(() => "present", () => "gone")).to.equal("gone");
    await until(`${faulty.name} reaches the database again`, () => databaseReachable(faulty));
    expect((await admin(faulty, "POST", "/consumers", { username: `after-${id}` })).status, `${faulty.name}'s write after recovery`).to.equal(201);
  }

  it("timeout toxic on one node's datastore link: its Admin write fails and /status says unreachable while another node writes; it writes again once removed", async function () {
    await toxicOnOneLink("timeout", lab.node("blue-1"), lab.node("blue-2"));
  });

  it("reset_peer toxic on one node's datastore link: the same, the other way round", async function () {
    await toxicOnOneLink("reset-peer", lab.node("blue-2"), lab.node("blue-1"));
  });

  it("bandwidth toxic: a large Admin read through the limited link takes longer than the same read, side by side, through an unlimited one", async function () {
    const [limited, free] = [lab.node("blue-1"), lab.node("blue-2")];
    // 64 KB of plugin config on a service without routes: stored as given, never run.
    const blob = "x".repeat(64 * 1024);
    expect((await admin(free, "POST", "/services", { name: "bulk", url: "http://bulk.invalid" })).status).to.equal(201);
    const plugin = await admin(free, "POST", "/services/bulk/plugins", { name: "cors", config: { origins: [blob] } });
    expect(plugin.status, plugin.text).to.equal(201);
    const path = `/plugins/${(plugin.json as { id: string }).id}`;
    const read = async (node: StartedKongContainer): Promise<{ ms: number; size: number }> => {
      const t0 = performance.now();
      const a = await admin(node, "GET", path);
      expect(a.status, a.text.slice(0, 200)).to.equal(200);
      return { ms: performance.now() - t0, size: a.text.length };
    };
    let side: { limited: { ms: number; size: number }; free: { ms: number; size: number } } | undefined;
    const r = await lab.chaosRun([{ id: "bandwidth-blue-1", kind: "bandwidth", target: { node: "blue-1" }, forMs: HELD, params: { rateKBps: 32 }, expect: { kind: "proxy-unaffected" } }], {
      during: async () => {
        await until("toxic on blue-1's link", () => lab.proxies.proxy("blue-1").getToxic("fault-bandwidth-blue-1").then(() => true, () => false));
        const [l, f] = await Promise.all([read(limited), read(free)]);
        side = { limited: l, free: f };
      },
    });
    expect(side!.limited.size).to.equal(side!.free.size).and.to.be.greaterThan(blob.length);
    expect(side!.limited.ms, `limited ${Math.round(side!.limited.ms)}ms vs unlimited ${Math.round(side!.free.ms)}ms`).to.be.greaterThan(3 * side!.free.ms);
    recovered(r, "bandwidth-blue-1", ["blue-1"], /^toxic bandwidth \{"rate":32\} removed from blue-1$/);
    expect(await lab.proxies.proxy("blue-1").getToxic("fault-bandwidth-blue-1").then(() => "present", () => "gone")).to.equal("gone");
  });

  it("a toxic that cannot reach every node of its target is undone on the ones it reached, and the error names the node", async function () {
    const faults: ResolvedFault[] = [
      { id: "partial-latency", kind: "latency", target: { cluster: "blue" }, trigger: { atMs: 0 }, forMs: HELD, params: { latencyMs: 500 }, expect: { kind: "proxy-unaffected" } },
      { id: "partial-partition", kind: "partition", target: { cluster: "blue" }, trigger: { atMs: 0 }, forMs: HELD, params: {}, expect: { kind: "proxy-unaffected" } },
    ];
    // blue-1 goes through Toxiproxy; "blue-unproxied" does not, so the injection fails on it.
    const targets = { proxies: () => lab.proxies, nodeNames: () => ["blue-1", "blue-unproxied"] } as unknown as ChaosTargets;
    for (const f of faults) {
      const failed = await injectFault(f, targets).then(() => undefined, (e: unknown) => e as Error);
      expect(failed?.message, f.kind).to.match(/^node "blue-unproxied" does not reach the datastore through Toxiproxy \(proxied: .*\bblue-1\b.*\)$/);
    }
    expect(await lab.proxies.proxy("blue-1").getToxic("fault-partial-latency").then(() => "present", () => "gone"), "the latency toxic on blue-1").to.equal("gone");
    await until("blue-1 reaches the database (its link was enabled again)", () => databaseReachable(lab.node("blue-1")));
    expect((await admin(lab.node("blue-1"), "POST", "/consumers", { username: "after-partial-injection" })).status).to.equal(201);
  });
});
