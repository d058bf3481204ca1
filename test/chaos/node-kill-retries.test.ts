// Fault injection is real: two stand-in nodes behind the harness's load balancer under vegeta load,
// one node killed with SIGKILL by the nemesis. With the load balancer's retries off the kill fails
// requests, and fault-expectations (the kill declared zero-failures) fails naming the fault, its
// window, the node and the counts; with retries on the same kill fails none and the check passes.
import { expect } from "chai";
import { Network, type StartedNetwork } from "testcontainers";
import { Nemesis } from "../../harness/chaos/nemesis.ts";
import { resolveSchedule } from "../../harness/chaos/schedule.ts";
import { checkContext, faultExpectations, History, requestsFrom, type CheckResult, type FaultRow } from "../../harness/checks/index.ts";
import { PostgresDatastore, type StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { KongCluster, type StartedKongCluster } from "../../harness/kong/cluster.ts";
import { KongMigrations } from "../../harness/kong/migrations.ts";
import { startAttack } from "../../harness/load/vegeta.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { LoadBalancer, MemoryRequestSink, SystemClock, type RetrySettings } from "../../harness/traffic/index.ts";

const IMAGE = "kong-standin:2.6.0";
/** Kong answers 404 "no Route matched" without touching the datastore: the probe needs no seed. */
const PROBE = { name: "no-route", path: "/nowhere?probe=no-route", expect: 404 };

describe("chaos: a node kill behind the load balancer, retries off and on", function () {
  this.timeout(120_000);
  let network: StartedNetwork;
  let datastore: StartedPostgresDatastore;
  let cluster: StartedKongCluster;

  before(async function () {
    network = await new Network().start();
    datastore = await new PostgresDatastore(labImage("postgres")).start(network);
    const boot = await new KongMigrations(IMAGE, datastore).run("bootstrap");
    expect(boot.exitCode, boot.stderr).to.equal(0);
    cluster = await new KongCluster("blue", IMAGE, 2).start(datastore);
  });

  after(async function () {
    await cluster?.stop(false);
    await datastore?.stop();
    await network?.stop();
  });

  /** Load through a fresh load balancer while the nemesis kills `node`; returns fault-expectations' verdict. */
  async function killUnderLoad(node: string, retries: RetrySettings): Promise<CheckResult> {
    const clock = new SystemClock();
    const history = new History(clock);
    const sink = new MemoryRequestSink();
    // The chaos scenario's settings: checks that a busy host cannot fail on every node at once.
    const lb = await new LoadBalancer().withClock(clock).withSink(sink).withTimeoutMs(5_000).withRetries(retries)
      .withHealthCheck({ intervalMs: 500, timeoutMs: 2_000, unhealthyThreshold: 3, healthyThreshold: 2 })
      .withNodes("blue", cluster.nodes.map((n) => ({ name: n.name, url: n.getProxyUrl() }))).start();
    const schedule = resolveSchedule([{ id: `kill-${node}`, kind: "kill", target: { node }, at: { atMs: clock.now() + 1_000 }, forMs: 1_000, expect: { kind: "zero-failures" } }],
      { seed: 1, toxiproxy: false, nodes: { blue: cluster.nodes.map((n) => n.name), green: [] } });
    const nemesis = new Nemesis({
      history, schedule, seed: 1, toxiproxy: false, loadBalancer: { ...lb.settings() },
      targets: {
        node: (name) => cluster.nodes.find((n) => n.name === name), nodeNames: () => cluster.nodes.map((n) => n.name),
        lb: () => lb, datastore: () => datastore, proxies: () => undefined, startExtraNode: () => cluster.addNode(), now: () => clock.now(), started: () => undefined, lost: async () => undefined,
      },
    });
    const load = startAttack({ targets: [{ name: PROBE.name, method: "GET", url: `${lb.url}${PROBE.path}`, headers: { "x-kuh-probe": PROBE.name } }], ratePerSecond: 100, durationMs: 60_000, timeoutMs: 10_000 });
    try {
      nemesis.start();
      await new Promise((r) => setTimeout(r, 1_200));
      await nemesis.settled();
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      load.stop();
      await load.done.catch(() => undefined);
      await nemesis.stop();
      await lb.stop();
    }
    const expectations = { baseline: { [PROBE.name]: PROBE.expect }, nodes: { blue: cluster.nodes.map((n) => n.name), green: [] }, propagationBoundMs: 3_000 };
    return faultExpectations.check(checkContext(expectations, history.all(), requestsFrom(sink.records)));
  }

  // proves: fault-expectations
  it("retries off: the kill fails requests, and fault-expectations names the fault, window, node and counts", async function () {
    const r = await killUnderLoad("blue-1", { onConnectFailure: 0 });
    const row = (r.data!.faults as FaultRow[])[0]!;
    expect(row.state, row.outcome).to.equal("recovered");
    expect(row.failures, JSON.stringify(row)).to.be.greaterThan(0);
    expect(r.status).to.equal("fail");
    expect(row.byNode["blue-1"], JSON.stringify(row.byNode)).to.be.greaterThan(0);
    const count = row.failures.toLocaleString("en-US");
    expect(r.message).to.match(new RegExp(`^fault kill-blue-1 \\(kill node blue-1, window [\\d.]+s-[\\d.]+s \\+ grace 0ms\\) was declared zero-failures, got ${count} failed requests? \\(.*; by node: .*blue-1 [\\d,]+.*\\)$`));
    expect(row.outcome).to.match(/^killed \(SIGKILL\); started again, back in rotation \d+ms after recovery began$/);
  });

  it("retries on (another node, also on a reset before the answer): the same kill fails no request", async function () {
    const r = await killUnderLoad("blue-2", { onConnectFailure: 1, beforeAnswer: true });
    const row = (r.data!.faults as FaultRow[])[0]!;
    expect([r.status, row.failures], r.message).to.deep.equal(["pass", 0]);
    expect(row.requests).to.be.greaterThan(50);
    expect(row.retried, "requests that a retry saved").to.be.greaterThan(0);
    expect(r.message).to.match(/^1 fault, each within its expectation; 0 of [\d,]+ load requests failed outside the fault windows: kill-blue-2 0 failed$/);
  });
});
