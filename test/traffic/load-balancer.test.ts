// The load balancer (HAProxy, driven through its Runtime API) in front of real local HTTP backends
// on 127.0.0.1: weights per step, live changes, drains, transport failures as records, retries,
// health checks, the error-budget rollback, and requests.jsonl from HAProxy's log.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { RequestLine } from "../../harness/checks/records.ts";
import {
  DrainTimeoutError, JsonlRequestSink, LoadBalancer, MemoryRequestSink, ShiftAbortedError, SystemClock, WeightPlan,
  achievedSplit, splitByRecordedWeight, toGreen, windowsFromWeightChanges, type StartedLoadBalancer,
} from "../../harness/traffic/index.ts";
import { Client, TestBackend, deadUrl } from "./backends.ts";

describe("traffic: load balancer (HAProxy)", function () {
  this.timeout(30_000);
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async function () {
    while (cleanup.length > 0) await cleanup.pop()!();
  });

  async function backends(...names: string[]): Promise<TestBackend[]> {
    const started = await Promise.all(names.map((n) => TestBackend.start(n)));
    cleanup.push(() => Promise.all(started.map((b) => b.stop())));
    return started;
  }
  async function start(lb: LoadBalancer): Promise<{ lb: StartedLoadBalancer; client: Client }> {
    const started = await lb.start();
    const client = new Client(started.url);
    cleanup.push(() => started.stop(), () => client.close());
    return { lb: started, client };
  }
  const node = (b: TestBackend) => ({ name: b.name, url: b.url });
  const pick = (r: RequestLine) => ({ node: r.node, status: r.status, error: r.error, clientStatus: r.clientStatus });

  it("achieves every step of the default plan exactly per 100 requests, round-robin over each cluster's nodes", async function () {
    const [b1, b2, g1, g2] = await backends("blue-1", "blue-2", "green-1", "green-2");
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withNodes("blue", [node(b1!), node(b2!)]).withNodes("green", [node(g1!), node(g2!)]));
    const plan = WeightPlan.default();
    for (const green of plan.steps) {
      await lb.setWeights(toGreen(green));
      const answers = await client.many(100);
      expect(answers.every((a) => a.status === 200 && a.body === a.node)).to.equal(true);
    }
    await lb.recorded();
    const end = new SystemClock().now() + 1e12;
    const byWindow = achievedSplit(sink.records, windowsFromWeightChanges(lb.weightChanges().slice(1), end));
    const byWeight = splitByRecordedWeight(sink.records);
    for (const split of [byWindow, byWeight]) {
      expect(split.map((s) => s.plannedGreen)).to.deep.equal([...plan.steps]);
      expect(split.map((s) => s.verdict)).to.deep.equal(plan.steps.map(() => "pass"));
    }
    // By the weight HAProxy split each request under, exact; by time, a request that began within a
    // millisecond of a change may fall on the other side of it.
    expect(byWeight.map((s) => s.requests)).to.deep.equal(plan.steps.map(() => 100));
    expect(byWindow.map((s) => s.requests).reduce((a, b) => a + b)).to.equal(700);
    expect(byWeight.map((s) => s.green)).to.deep.equal([...plan.steps]); // the split is exact per 100
    expect(lb.weightChanges().slice(1).map((c) => c.applied)).to.deep.equal([...plan.steps]); // read back from HAProxy
    const stats = lb.stats();
    expect(stats.byNode["blue-1"]!.requests).to.be.closeTo(stats.byNode["blue-2"]!.requests, 1);
    expect(stats.byNode["green-1"]!.requests).to.be.closeTo(stats.byNode["green-2"]!.requests, 1);
    expect(sink.records[0]).to.include({ probe: "echo", method: "GET", path: "/echo", attempts: 1, clientStatus: 200, status: 200, cluster: "blue" });
    expect(lb.describe()).to.match(/^HAProxy 2\.6\.\d+/);
  });

  it("applies a weight change live to the next request while load runs; each record says the weight it was split under", async function () {
    const [b1, g1] = await backends("blue-1", "green-1");
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withNodes("blue", [node(b1!)]).withNodes("green", [node(g1!)]));
    const load = client.many(400, 8);
    await b1!.arrivals(100);
    await lb.setWeights(toGreen(100));
    const changedAt = lb.weightChanges().at(-1)!.atMs;
    await load;
    await lb.recorded();
    expect(sink.records).to.have.length(400);
    expect(sink.records.filter((r) => r.startMs > changedAt + 5).every((r) => r.cluster === "green")).to.equal(true);
    expect(sink.records.every((r) => (r.greenWeight === 100 ? r.cluster === "green" : r.cluster === "blue" && r.greenWeight === 0))).to.equal(true);
    expect(sink.records.filter((r) => r.greenWeight === 0).length).to.be.within(100, 300);
  });

  it("drains a cluster: no new requests, resolves only after in-flight slow requests completed and were recorded", async function () {
    const [b1, g1] = await backends("blue-1", "green-1");
    b1!.behaviour = "hold";
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withNodes("blue", [node(b1!)]).withNodes("green", [node(g1!)]));
    const slow = Promise.all([1, 2, 3, 4, 5].map(() => client.get()));
    await b1!.arrivals(5);
    await lb.setWeights(toGreen(100));
    const events: string[] = [];
    const drained = lb.drain("blue", { timeoutMs: 10_000 }).then(() => events.push("drained"));
    const during = await client.get();
    expect(during).to.include({ status: 200, cluster: "green" });
    await new Promise((r) => setTimeout(r, 300));
    expect(lb.nodes("blue")[0]).to.include({ draining: true, inFlight: 5 });
    expect(events).to.deep.equal([]);
    events.push(`released ${b1!.release()}`);
    const answers = await slow;
    await drained;
    expect(events).to.deep.equal(["released 5", "drained"]);
    expect(answers.map((a) => `${a.status} ${a.node}`)).to.deep.equal(Array(5).fill("200 blue-1"));
    expect(sink.records.filter((r) => r.node === "blue-1" && r.status === 200)).to.have.length(5);
    expect(b1!.received).to.equal(5);
  });

  it("fails a drain that outlasts its timeout with a message naming what is in flight", async function () {
    const [b1] = await backends("blue-1");
    b1!.behaviour = "hold";
    const { lb, client } = await start(new LoadBalancer().withNodes("blue", [node(b1!)]));
    const slow = client.get();
    await b1!.arrivals(1);
    const error = await lb.drain({ node: "blue-1" }, { timeoutMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(DrainTimeoutError);
    expect((error as Error).message).to.equal('Drain of node "blue-1" not finished after 300ms: 1 request(s) still in flight');
    b1!.release();
    expect((await slow).status).to.equal(200);
  });

  it("records a reset, a refused connection, a timeout and a missing backend from HAProxy's termination states", async function () {
    const [reset, slow] = await backends("blue-1", "green-1");
    reset!.behaviour = "reset";
    slow!.behaviour = "hold";
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withTimeoutMs(300).withNodes("blue", [node(reset!)]).withNodes("green", [node(slow!)]));
    expect(await client.get()).to.include({ status: 502 });
    await lb.removeNode("blue-1");
    await lb.addNode("blue", { name: "blue-dead", url: await deadUrl() });
    expect(await client.get()).to.include({ status: 503 });
    await lb.setWeights(toGreen(100));
    expect(await client.get()).to.include({ status: 504 });
    await lb.removeNode("green-1");
    expect(await client.get()).to.include({ status: 503 });
    await lb.recorded();
    expect(sink.records.map(pick)).to.deep.equal([
      { node: "blue-1", status: null, error: "reset", clientStatus: 502 },
      { node: "blue-dead", status: null, error: "connect", clientStatus: 503 },
      { node: "green-1", status: null, error: "timeout", clientStatus: 504 },
      { node: null, status: null, error: "no-backend", clientStatus: 503 },
    ]);
    expect(sink.records.map((r) => r.cluster)).to.deep.equal(["blue", "blue", "green", "green"]);
    expect(lb.stats().byFailure).to.deep.equal({ reset: 1, connect: 1, timeout: 1, "no-backend": 1 });
  });

  it("records a client that gave up before the answer as a timeout, and aborts the request to the node", async function () {
    const [b1] = await backends("blue-1");
    b1!.behaviour = "hold";
    const sink = new MemoryRequestSink();
    const { lb } = await start(new LoadBalancer().withSink(sink).withNodes("blue", [node(b1!)]));
    const gaveUp = await fetch(`${lb.url}/echo`, { signal: AbortSignal.timeout(200) }).then(() => "answered", (e: Error) => e.name);
    expect(gaveUp).to.equal("TimeoutError");
    await lb.drain("blue", { timeoutMs: 5_000 }); // the request to the node was aborted: nothing left in flight
    expect(sink.records.map(pick)).to.deep.equal([{ node: "blue-1", status: null, error: "timeout", clientStatus: null }]);
  });

  it("retries a request that failed to connect on another node of the cluster (retries, retry-on conn-failure, redispatch)", async function () {
    const [b2] = await backends("blue-2");
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withRetries({ onConnectFailure: 1 })
      .withNodes("blue", [{ name: "blue-1", url: await deadUrl() }, node(b2!)]));
    const answers = await client.many(4, 1);
    expect(answers.map((a) => `${a.status} ${a.node}`)).to.deep.equal(Array(4).fill("200 blue-2"));
    await lb.recorded();
    // Without health checks the dead node keeps its turn: every request tries it first.
    expect(sink.records.map((r) => `${r.node} ${r.attempts}`)).to.deep.equal(Array(4).fill("blue-2 2"));
  });

  it("with beforeAnswer, retries a request whose connection closed before any answer (retry-on empty-response); not without it", async function () {
    const [b1, b2] = await backends("blue-1", "blue-2");
    b1!.behaviour = "reset";
    const sink = new MemoryRequestSink();
    const { lb } = await start(new LoadBalancer().withSink(sink).withRetries({ onConnectFailure: 1, beforeAnswer: true }).withNodes("blue", [node(b1!), node(b2!)]));
    const send = async (url: string): Promise<string> => {
      const r = await fetch(`${url}/echo`, { headers: { "x-kuh-probe": "echo" } });
      return `${r.status} ${await r.text()}`.trim();
    };
    expect([await send(lb.url), await send(lb.url)]).to.deep.equal(["200 blue-2", "200 blue-2"]);
    await lb.recorded();
    expect(sink.records.map((r) => `${r.node} ${r.attempts}`)).to.deep.equal(["blue-2 2", "blue-2 2"]);
    const { lb: off } = await start(new LoadBalancer().withRetries({ onConnectFailure: 1 }).withNodes("blue", [node(b1!), node(b2!)]));
    expect(await send(off.url)).to.match(/^502 /);
  });

  it("a node added untilHealthy gets traffic only once HAProxy's health checks pass", async function () {
    const [b1, b2] = await backends("blue-1", "blue-2");
    const { lb, client } = await start(new LoadBalancer().withHealthCheck({ intervalMs: 300, healthyThreshold: 2 }).withNodes("blue", [node(b1!)]));
    await lb.addNode("blue", node(b2!), { untilHealthy: true });
    expect(lb.nodes().map((n) => `${n.name} ${n.healthy}`)).to.deep.equal(["blue-1 true", "blue-2 false"]);
    expect((await client.many(4, 1)).map((a) => a.node)).to.deep.equal(["blue-1", "blue-1", "blue-1", "blue-1"]);
    await lb.waitUntilHealthy("blue-2", { timeoutMs: 5_000 });
    expect(new Set((await client.many(4, 1)).map((a) => a.node))).to.deep.equal(new Set(["blue-1", "blue-2"]));
  });

  it("takes a dead node out of rotation by health checks, and says so", async function () {
    const [b2] = await backends("blue-2");
    const changes: string[] = [];
    const { lb, client } = await start(new LoadBalancer().withHealthCheck({ intervalMs: 100, unhealthyThreshold: 1, expectStatus: 200 })
      .withNodes("blue", [{ name: "blue-1", url: await deadUrl() }, node(b2!)]));
    lb.onHealthChange((n, healthy) => changes.push(`${n} ${healthy}`));
    const out = new Promise<void>((resolve) => lb.onHealthChange(() => resolve()));
    await out;
    expect(changes).to.deep.equal(["blue-1 false"]);
    expect(lb.nodes().map((n) => `${n.name} ${n.healthy}`)).to.deep.equal(["blue-1 false", "blue-2 true"]);
    expect((await client.many(6, 2)).every((a) => a.status === 200 && a.node === "blue-2")).to.equal(true);
  });

  it("rolls traffic back to blue when the record that breaches the error budget arrives", async function () {
    const [b1, g1] = await backends("blue-1", "green-1");
    g1!.behaviour = "error500";
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withErrorBudget({ maxFailures: 2 }).withBaseline({ echo: 200 })
      .withNodes("blue", [node(b1!)]).withNodes("green", [node(g1!)]));
    const aborts: number[] = [];
    lb.onAbort((b) => aborts.push(b.record?.seq ?? -1));
    await lb.setWeights(toGreen(50));
    await client.many(40, 1);
    await lb.recorded();
    const breach = lb.breach!;
    const tripping = breach.record!;
    expect(breach.reason).to.equal("error budget breached: 3 failed requests, at most 2 allowed (last: status on green-1)");
    expect(aborts).to.deep.equal([tripping.seq]);
    expect(tripping).to.include({ cluster: "green", status: 500 });
    expect(lb.abortSignal.aborted).to.equal(true);
    const rollback = lb.weightChanges().at(-1)!;
    expect(rollback).to.include({ blue: 100, green: 0, cause: "abort", applied: 0 });
    expect(rollback.atMs - tripping.endMs).to.be.within(0, 1_000);
    // Every request split after the rollback went to blue; the failures are the green requests before it.
    const after = sink.records.filter((r) => r.greenWeight === 0);
    expect(after.length).to.be.greaterThan(0);
    expect(after.every((r) => r.cluster === "blue" && r.status === 200)).to.equal(true);
    expect(sink.records.filter((r) => r.status === 500).every((r) => r.greenWeight === 50)).to.equal(true);
    const refused = await lb.setWeights(toGreen(5)).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(ShiftAbortedError).with.property("message", `Setting green weight 5% refused: traffic was rolled back to blue (${breach.reason})`);
    await lb.setWeights(toGreen(0)); // going back to blue is always allowed
  });

  it("records a breach after promotion without rolling back to the old cluster being retired", async function () {
    const [b1, g1] = await backends("blue-1", "green-1");
    g1!.behaviour = "error500";
    const sink = new MemoryRequestSink();
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withErrorBudget({ maxFailures: 2 }).withBaseline({ echo: 200 })
      .withNodes("blue", [node(b1!)]).withNodes("green", [node(g1!)]));
    await lb.setWeights(toGreen(100));
    lb.promote();
    await client.many(10, 1);
    await lb.recorded();
    expect(lb.breach?.reason).to.equal("error budget breached: 3 failed requests, at most 2 allowed (last: status on green-1)");
    expect(lb.abortSignal.aborted).to.equal(true);
    expect(lb.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(sink.records.every((r) => r.cluster === "green")).to.equal(true);
  });

  it("writes one JSONL line per request, matching the counters and HAProxy's own request count", async function () {
    const [b1, g1] = await backends("blue-1", "green-1");
    const dir = mkdtempSync(join(tmpdir(), "kuh-traffic-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "requests.jsonl");
    const sink = new JsonlRequestSink(file, { batchSize: 16 });
    const { lb, client } = await start(new LoadBalancer().withSink(sink).withWeights(toGreen(25)).withNodes("blue", [node(b1!)]).withNodes("green", [node(g1!)]));
    await client.many(203, 8);
    await lb.stop(); // fails when HAProxy counted a request whose record never arrived
    await sink.close();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as RequestLine);
    expect(lines).to.have.length(203);
    expect(lines.map((r) => r.seq).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 203 }, (_, i) => i));
    const stats = lb.stats();
    expect(stats.requests).to.equal(203);
    expect(lines.filter((r) => r.cluster === "green")).to.have.length(stats.byCluster.green.requests);
    expect(lines.filter((r) => r.cluster === "green").length).to.be.within(50, 51);
    expect(b1!.received + g1!.received).to.equal(203);
  });

  it("refuses bad settings before starting anything", async function () {
    const error = await new LoadBalancer().withWeights({ blue: 60, green: 60 }).withTimeoutMs(0).start().then(() => undefined, (e: unknown) => e);
    expect(String(error)).to.include("weights must be integer percents that add up to 100").and.include("timeoutMs must be a positive integer");
  });
});
