// vegeta in paced mode (`-lazy -rate=0`, the harness writing one target line per request at the
// moment its schedule says) against a local server that records when each request arrived.
import { expect } from "chai";
import { startAttack, type LoadTarget, type RequestResult } from "../../harness/load/index.ts";
import { loopSchedule, shapedSchedule } from "../../harness/load/paced-schedule.ts";
import { constant, ramp, steps } from "../../harness/load/rate-shape.ts";
import { labTool } from "../../harness/runtime/lab-state.ts";
import { startRecordingServer, type RecordingServer } from "./recording-server.ts";

describe("load: paced vegeta attack", function () {
  let server: RecordingServer;
  let targets: LoadTarget[];

  before(async function () {
    server = await startRecordingServer();
    targets = ["a", "b", "c"].map((name) => ({ name, method: "GET", url: `${server.url}/${name}?probe=${name}`, headers: { "x-kuh-probe": name } }));
  });
  after(async function () {
    await server.close();
  });
  beforeEach(function () {
    server.arrivals.length = 0;
  });

  /** Requests that arrived in [fromMs, toMs) after t0. */
  const arrivedBetween = (t0: number, fromMs: number, toMs: number): number =>
    server.arrivals.filter((a) => a.atMs - t0 >= fromMs && a.atMs - t0 < toMs).length;

  it("follows a ramp: every scheduled request is sent, the second half gets more than the first", async function () {
    const t0 = Date.now();
    const run = startAttack({ binary: labTool("vegeta"), targets, ratePerSecond: 90, schedule: shapedSchedule(ramp(10, 90, 2000), [0, 1, 2]), durationMs: 2000 });
    const results: RequestResult[] = [];
    for await (const r of run) results.push(r);
    const summary = await run.done;

    // 10 -> 90/s over 2 s: 100 requests, 30 due in the first second and 70 in the second.
    expect(summary.requests).to.equal(100);
    expect(server.arrivals).to.have.length(100);
    expect(summary.statusCounts).to.deep.equal({ "200": 100 });
    expect(summary.aborted).to.equal(false);
    const first = arrivedBetween(t0, -Infinity, 1000);
    const second = arrivedBetween(t0, 1000, Infinity);
    expect(second, `first half ${first}, second half ${second}`).to.be.greaterThan(first);
    // Round-robin over the cycle, attributed by method and URL as in constant mode.
    expect(results.filter((r) => r.target === "a")).to.have.length(34);
    expect(new Set(results.map((r) => r.target))).to.deep.equal(new Set(["a", "b", "c"]));
  });

  it("follows steps: each step's requests arrive within 25% of its rate times its length", async function () {
    const t0 = Date.now();
    const summary = await startAttack({
      binary: labTool("vegeta"), targets, ratePerSecond: 60, durationMs: 3000, onResult: () => undefined,
      schedule: shapedSchedule(steps([{ rps: 20, forMs: 1500 }, { rps: 60, forMs: 1500 }]), [0, 1, 2]),
    }).done;
    expect(summary.requests).to.equal(120);
    expect(arrivedBetween(t0, -Infinity, 1500)).to.be.within(30 * 0.75, 30 * 1.25);
    expect(arrivedBetween(t0, 1500, Infinity)).to.be.within(90 * 0.75, 90 * 1.25);
  });

  it("stamps each result with when its request went out, not when vegeta's worker began to wait", async function () {
    // Workers start waiting at once; the last request leaves 1.6 s later.
    const results: RequestResult[] = [];
    await startAttack({
      binary: labTool("vegeta"), targets, ratePerSecond: 1, durationMs: 1700, onResult: (r) => results.push(r),
      schedule: loopSchedule([0, 800, 1600], [0, 1, 2], 2400),
    }).done;
    expect(results).to.have.length(3);
    const arrivedAt = new Map(server.arrivals.map((a) => [String(a.headers["x-vegeta-seq"]), a.atMs]));
    for (const r of results) {
      const arrival = arrivedAt.get(String(r.seq))!;
      expect(Math.abs(r.timestampMs - arrival), `${r.target}: stamped ${r.timestampMs}, arrived ${arrival}`).to.be.at.most(250);
      expect(r.latencyNs / 1e6, r.target).to.be.at.most(250);
    }
  });

  it("stops early on stop(): vegeta ends, and every result is a request the server got", async function () {
    const run = startAttack({ binary: labTool("vegeta"), targets, ratePerSecond: 50, durationMs: 60_000, schedule: shapedSchedule(constant(50), [0, 1, 2]), onResult: () => undefined });
    const started = Date.now();
    setTimeout(() => run.stop(), 1000);
    const summary = await run.done;
    expect(Date.now() - started).to.be.below(5_000);
    expect(summary.aborted).to.equal(true);
    expect(summary.requests).to.be.greaterThan(0);
    // vegeta reports each worker left waiting at the end of input as a result with no request: none is counted.
    expect(summary.requests).to.equal(server.arrivals.length);
    expect(summary.transportErrors).to.equal(0);
  });

  describe("a request in flight when the attack is stopped is still reported", function () {
    // One request at the start to a target that answers 1.5 s later: it is in flight once the server has it.
    const slowAttack = (durationMs: number) => startAttack({
      binary: labTool("vegeta"), targets: [{ name: "slow", method: "GET", url: `${server.url}/slow?delay=1500` }],
      ratePerSecond: 1, durationMs, schedule: loopSchedule([0], [0], 60_000), onResult: () => undefined,
    });

    it("stopped after its input ended (vegeta has stopped itself and waits for the answer)", async function () {
      const run = slowAttack(200);
      await arrived(1);
      // By now the feed ended vegeta's input at 200 ms and vegeta read the end of it.
      await sleep(500);
      run.stop();
      const summary = await run.done;
      expect(server.arrivals).to.have.length(1);
      expect(summary.statusCounts, "the server answered the one request it got").to.deep.equal({ "200": 1 });
      expect(summary.aborted).to.equal(true);
    });

    it("stopped while the input is still being fed", async function () {
      const run = slowAttack(60_000);
      await arrived(1);
      run.stop();
      const summary = await run.done;
      expect(server.arrivals).to.have.length(1);
      expect(summary.statusCounts, "the server answered the one request it got").to.deep.equal({ "200": 1 });
      expect(summary.aborted).to.equal(true);
    });
  });

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits until the server has received n requests (at most 5 s). */
  async function arrived(n: number): Promise<void> {
    for (const deadline = Date.now() + 5_000; server.arrivals.length < n; await sleep(10)) {
      if (Date.now() > deadline) throw new Error(`the server got ${server.arrivals.length} of ${n} requests in 5 s`);
    }
  }
});
