// The lab of the fault-kinds tests: a Postgres bootstrapped by the old version, Toxiproxy between
// every node and the datastore (as a chaos scenario with `toxiproxy: true` has it), two old nodes,
// an empty new cluster for a cold extra node, and one seeded route behind key-auth (401 without a
// key: an answer only a node that has its configuration gives). `chaosRun` puts a fresh load
// balancer in front, runs a schedule through the nemesis the scenario uses, and keeps what the
// load balancer did to each node (health flips, re-registrations) next to the history.
import { getContainerRuntimeClient, Network, type StartedNetwork } from "testcontainers";
import { DatastoreProxies } from "../../harness/chaos/datastore-proxies.ts";
import type { ChaosTargets } from "../../harness/chaos/fault-injector.ts";
import { Nemesis } from "../../harness/chaos/nemesis.ts";
import { resolveSchedule, type FaultSpec } from "../../harness/chaos/schedule.ts";
import { checkContext, faultExpectations, History, requestsFrom, type CheckResult, type FaultRow } from "../../harness/checks/index.ts";
import { F, type FaultValue, type Op, type RequestLine } from "../../harness/checks/records.ts";
import { PostgresDatastore, type StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { KongCluster, type StartedKongCluster } from "../../harness/kong/cluster.ts";
import type { StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { KongMigrations } from "../../harness/kong/migrations.ts";
import { startAttack } from "../../harness/load/vegeta.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { LoadBalancer, MemoryRequestSink, SystemClock, type StartedLoadBalancer } from "../../harness/traffic/index.ts";

/** Two versions on one schema (2.5.1 and 2.6.0 list the same migrations): both run after one bootstrap. */
export const OLD = "kong-standin:2.5.1";
export const NEW = "kong-standin:2.6.0";
export const PROBE = { name: "guarded", path: "/guarded?probe=guarded", expect: 401 };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` gives a value (not undefined/false); a state wait, never a time assertion. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs}ms`);
    await sleep(100);
  }
}

export interface Answer { readonly status: number; readonly text: string; readonly json: unknown }

/** One Admin API call straight to a node (not through the load balancer). */
export async function admin(node: StartedKongContainer, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${node.getAdminUrl()}${path}`, {
    method, signal: AbortSignal.timeout(20_000),
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json };
}

export async function databaseReachable(node: StartedKongContainer): Promise<boolean> {
  return ((await admin(node, "GET", "/status")).json as { database: { reachable: boolean } }).database.reachable;
}

export async function inspect(node: StartedKongContainer): Promise<{ Running: boolean; ExitCode: number; StartedAt: string }> {
  const c = (await getContainerRuntimeClient()).container.getById(node.container.getId());
  return (await c.inspect()).State as { Running: boolean; ExitCode: number; StartedAt: string };
}

/** The node's output across its restarts (a finished read: StartedKongContainer.logs follows the stream and waits out its timer). */
export async function containerLog(node: StartedKongContainer): Promise<string> {
  const c = (await getContainerRuntimeClient()).container.getById(node.container.getId());
  return (await c.logs({ stdout: true, stderr: true, follow: false, tail: 500 })).toString("utf8");
}

/** What the load balancer did to a node, in order: health flips, and (re-)registrations with the node's health right after. */
export interface LbEvent {
  readonly atMs: number;
  readonly node: string;
  readonly what: "healthy" | "unhealthy" | "re-registered" | "added";
  /** For re-registered/added: whether the node was in rotation right after. */
  readonly inRotation?: boolean;
}

export interface RunResult {
  readonly history: readonly Op[];
  readonly requests: readonly RequestLine[];
  readonly events: readonly LbEvent[];
  /** Nodes the faults said they started (again), with the fault: whose readiness a scenario watches. */
  readonly started: readonly string[];
  readonly verdict: CheckResult;
  readonly rows: readonly FaultRow[];
}

export interface RunOptions {
  /** vegeta at 100/s on the seeded probe through the load balancer. */
  readonly load?: boolean;
  /** Runs once every fault was injected, while each is held (hold them with a long forMs). */
  readonly during?: (lb: StartedLoadBalancer) => Promise<void>;
  /** Runs after every fault recovered, load still running; `requests` grows as load completes. */
  readonly after?: (lb: StartedLoadBalancer, events: readonly LbEvent[], requests: readonly RequestLine[]) => Promise<void>;
}

export class FaultKindsLab {
  private constructor(
    readonly network: StartedNetwork, readonly datastore: StartedPostgresDatastore, readonly proxies: DatastoreProxies,
    readonly blue: StartedKongCluster, readonly green: StartedKongCluster,
  ) {}

  static async start(): Promise<FaultKindsLab> {
    const network = await new Network().start();
    const datastore = await new PostgresDatastore(labImage("postgres")).start(network);
    const boot = await new KongMigrations(OLD, datastore).run("bootstrap");
    if (boot.exitCode !== 0) throw new Error(`bootstrap with ${OLD} exited ${boot.exitCode}: ${boot.stderr}`);
    const proxies = await DatastoreProxies.start(datastore, network);
    const env = (node: string): Promise<Record<string, string>> => proxies.kongEnv(node);
    const [blue, green] = await Promise.all([
      new KongCluster("blue", OLD, 2).withNodeEnv(env).start(datastore),
      new KongCluster("green", NEW, 0).withNodeEnv(env).start(datastore),
    ]);
    const lab = new FaultKindsLab(network, datastore, proxies, blue, green);
    await lab.seed();
    return lab;
  }

  private async seed(): Promise<void> {
    const n = this.blue.nodes[0]!;
    const created = [
      await admin(n, "POST", "/services", { name: "guarded", url: "http://upstream.invalid" }),
      await admin(n, "POST", "/services/guarded/routes", { name: "guarded", paths: ["/guarded"] }),
      await admin(n, "POST", "/services/guarded/plugins", { name: "key-auth" }),
    ];
    const bad = created.find((a) => a.status !== 201);
    if (bad) throw new Error(`seeding failed: ${bad.status} ${bad.text}`);
    for (const node of this.blue.nodes) await until(`${node.name} serves the seeded route`, async () => (await this.probe(node)) === PROBE.expect);
  }

  /** The seeded probe straight to a node's proxy port. */
  async probe(node: StartedKongContainer): Promise<number> {
    return (await fetch(`${node.getProxyUrl()}${PROBE.path}`, { signal: AbortSignal.timeout(5_000) })).status;
  }

  node(name: string): StartedKongContainer {
    const n = [...this.blue.nodes, ...this.green.nodes].find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.blue.stop(false), this.green.stop(false)]);
    await this.proxies.stop().catch(() => undefined);
    await this.datastore.stop();
    await this.network.stop();
  }

  /** One schedule (trigger times relative to now) through a fresh load balancer and the nemesis. */
  async chaosRun(specs: readonly Omit<FaultSpec, "at">[], o: RunOptions = {}): Promise<RunResult> {
    const clock = new SystemClock();
    const history = new History(clock);
    const sink = new MemoryRequestSink();
    const events: LbEvent[] = [];
    // The chaos scenario's load balancer, retries one other node of the same cluster.
    const lb = await new LoadBalancer().withClock(clock).withSink(sink).withTimeoutMs(5_000).withRetries({ onConnectFailure: 1, beforeAnswer: true })
      .withHealthCheck({ path: "/guarded?probe=health-check", expectStatus: PROBE.expect, intervalMs: 500, timeoutMs: 2_000, unhealthyThreshold: 3, healthyThreshold: 2 })
      .withNodes("blue", this.blue.nodes.map((n) => ({ name: n.name, url: n.getProxyUrl() })))
      .withNodes("green", this.green.nodes.map((n) => ({ name: n.name, url: n.getProxyUrl() }))).start();
    lb.onHealthChange((node, healthy) => events.push({ atMs: clock.now(), node, what: healthy ? "healthy" : "unhealthy" }));
    const nodes = { blue: this.blue.nodes.map((n) => n.name), green: this.green.nodes.map((n) => n.name) };
    const schedule = resolveSchedule(specs.map((s) => ({ ...s, at: { atMs: clock.now() + 300 } })), { seed: 1, toxiproxy: true, nodes });
    const clusters = (): StartedKongCluster[] => [this.blue, this.green];
    const started: string[] = [];
    const targets: ChaosTargets = {
      node: (name) => clusters().flatMap((c) => c.nodes).find((n) => n.name === name),
      nodeNames: (scope) => clusters().filter((c) => scope === "all" || c.name === scope).flatMap((c) => c.nodes.map((n) => n.name)),
      lb: () => recording(lb, events, clock), datastore: () => this.datastore, proxies: () => this.proxies,
      startExtraNode: (cluster) => (cluster === "blue" ? this.blue : this.green).addNode(), now: () => clock.now(),
      started: (node, faultId) => { started.push(`${node.name} by ${faultId}`); },
      lost: async (name) => { if (lb.nodes().some((n) => n.name === name)) await lb.removeNode(name); },
    };
    const settings = lb.settings();
    const nemesis = new Nemesis({
      history, schedule, targets, seed: 1, toxiproxy: true,
      loadBalancer: { ...settings },
    });
    const load = o.load ? startAttack({ targets: [{ name: PROBE.name, method: "GET", url: `${lb.url}${PROBE.path}`, headers: { "x-kuh-probe": PROBE.name } }], ratePerSecond: 100, durationMs: 120_000, timeoutMs: 10_000 }) : undefined;
    try {
      nemesis.start();
      // The invoke is recorded as injection begins: `during` waits for the fault's own effect.
      await until("every fault triggered", () => specs.every((s) => history.all().some((op) => op.f === F.fault && op.process === `nemesis:${s.id}`)));
      await o.during?.(lb);
      // Cuts every hold short and recovers: the fault ops complete now.
      await nemesis.stop();
      await o.after?.(lb, events, sink.records);
    } finally {
      await nemesis.stop();
      load?.stop();
      await load?.done.catch(() => undefined);
      await lb.stop();
    }
    const all = history.all();
    const requests = requestsFrom(sink.records);
    const verdict = await faultExpectations.check(checkContext({ baseline: { [PROBE.name]: PROBE.expect }, nodes, propagationBoundMs: 3_000 }, all, requests));
    return { history: all, requests: sink.records, events, started, verdict, rows: (verdict.data?.faults ?? []) as FaultRow[] };
  }
}

/** The load balancer the injector is given: the real one, with its (re-)registrations of nodes noted. */
function recording(lb: StartedLoadBalancer, events: LbEvent[], clock: SystemClock): StartedLoadBalancer {
  const inRotation = (name: string): boolean => lb.nodes().some((n) => n.name === name && n.healthy);
  return new Proxy(lb, {
    get(target, prop) {
      if (prop === "replaceNode") {
        return async (name: string, url: string) => {
          await target.replaceNode(name, url);
          events.push({ atMs: clock.now(), node: name, what: "re-registered", inRotation: inRotation(name) });
        };
      }
      if (prop === "addNode") {
        return async (...args: Parameters<StartedLoadBalancer["addNode"]>) => {
          await target.addNode(...args);
          events.push({ atMs: clock.now(), node: args[1].name, what: "added", inRotation: inRotation(args[1].name) });
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The fault op pair of one fault id: its invocation and completion. */
export function faultOps(history: readonly Op[], id: string): { invoke: Op<FaultValue>; completion: Op<FaultValue> | undefined } {
  const ops = history.filter((op) => op.f === F.fault && op.process === `nemesis:${id}`) as Op<FaultValue>[];
  return { invoke: ops.find((op) => op.type === "invoke")!, completion: ops.find((op) => op.type !== "invoke") };
}
