// The scenario's load balancer: HAProxy (Debian's package, built by the lab) in front of the blue
// (old) and green (new) Kong clusters, started per run with a generated configuration and driven
// from the outside: live weights, drains and nodes through its Runtime API, request records from
// its log, and an error budget that rolls traffic back to blue when a breach's record arrives.
import createDebug from "debug";
import { InvalidConfigError } from "../errors.ts";
import { SystemClock, type Clock } from "./clock.ts";
import type { Baseline, ErrorBudgetOptions } from "./error-budget.ts";
import type { HaproxyHealthCheck } from "./haproxy/config.ts";
import { startHaproxy } from "./haproxy/container.ts";
import { LogReceiver } from "./haproxy/log-receiver.ts";
import { toRequestRecord, type HaproxyLogLine } from "./haproxy/records.ts";
import { RuntimeApi } from "./haproxy/runtime-api.ts";
import { normalizeHealthCheck, type HealthCheckOptions } from "./health-check.ts";
import { NodeRegistry, type BackendNode, type ClusterName } from "./nodes.ts";
import type { RequestSink } from "./request-sink.ts";
import { StartedLoadBalancer, type LoadBalancerSettings, type RetrySettings } from "./started-load-balancer.ts";
import { validateWeights, type Weights } from "./weights.ts";

const debug = createDebug("harness:traffic");

export const NULL_SINK: RequestSink = { write: () => undefined, flush: async () => undefined, close: async () => undefined };

export class LoadBalancer {
  private clock: Clock = new SystemClock();
  private sink: RequestSink = NULL_SINK;
  private readonly nodes: { cluster: ClusterName; node: BackendNode }[] = [];
  private weights: Weights = { blue: 100, green: 0 };
  private timeoutMs = 10_000;
  private retries: RetrySettings = { onConnectFailure: 0 };
  private budget: ErrorBudgetOptions | undefined;
  private baseline: Baseline | undefined;
  private healthCheck: HealthCheckOptions | undefined;
  private port = 0;
  private image: string | undefined;

  withClock(clock: Clock): this { this.clock = clock; return this; }
  /** Where RequestRecords go (e.g. a JsonlRequestSink on requests.jsonl); flushed on stop, not closed. */
  withSink(sink: RequestSink): this { this.sink = sink; return this; }
  withNodes(cluster: ClusterName, nodes: readonly BackendNode[]): this { nodes.forEach((node) => this.nodes.push({ cluster, node })); return this; }
  /** Initial weights; default blue 100, green 0. */
  withWeights(weights: Weights): this { this.weights = weights; return this; }
  /** `timeout server`: how long a node may take to answer (headers, and between body bytes); default 10 s. */
  withTimeoutMs(ms: number): this { this.timeoutMs = ms; return this; }
  /** A request that failed to connect is retried on another node with weight; 0 turns retries off. */
  withRetries(retries: RetrySettings): this { this.retries = retries; return this; }
  /** A breach (more than maxFailures failed requests) sets weights to blue 100% at once. */
  withErrorBudget(budget: ErrorBudgetOptions): this { this.budget = budget; return this; }
  /** Probe name -> expected status(es); without it, transport errors and 5xx are failures. */
  withBaseline(baseline: Baseline): this { this.baseline = baseline; return this; }
  /** HAProxy's active health checks (`option httpchk`, `http-check expect`) on every node. */
  withHealthCheck(options: HealthCheckOptions = {}): this { this.healthCheck = options; return this; }
  /** Frontend port on 127.0.0.1; default 0 (a free port). */
  withPort(port: number): this { this.port = port; return this; }
  /** The HAProxy image; default the lab's. */
  withImage(image: string): this { this.image = image; return this; }

  settings(): LoadBalancerSettings {
    return {
      implementation: "HAProxy",
      algorithm: "a smooth split between the blue and green backends by the green weight, roundrobin over each cluster's nodes",
      timeoutMs: this.timeoutMs,
      retries: this.retries,
      errorBudget: this.budget ?? null,
      healthCheck: this.healthCheck ? normalizeHealthCheck(this.healthCheck) : null,
    };
  }

  async start(): Promise<StartedLoadBalancer> {
    const problems = validateWeights(this.weights);
    if (!(Number.isInteger(this.timeoutMs) && this.timeoutMs > 0)) problems.push(`timeoutMs must be a positive integer, got ${this.timeoutMs}`);
    if (!(Number.isInteger(this.retries.onConnectFailure) && this.retries.onConnectFailure >= 0)) problems.push(`retries.onConnectFailure must be an integer >= 0, got ${this.retries.onConnectFailure}`);
    if (this.budget && !(Number.isInteger(this.budget.maxFailures) && this.budget.maxFailures >= 0)) problems.push(`errorBudget.maxFailures must be an integer >= 0, got ${this.budget.maxFailures}`);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    const registry = new NodeRegistry();
    for (const { cluster, node } of this.nodes) registry.add(cluster, node, true);
    const settings = this.settings();
    const hc: HaproxyHealthCheck | undefined = settings.healthCheck ?? undefined;
    const unchecked = hc?.onAdminPort ? registry.list().filter((n) => n.adminPort === undefined).map((n) => n.name) : [];
    if (unchecked.length > 0) throw new InvalidConfigError([`health checks are on the Admin API, but these nodes were given no adminUrl: ${unchecked.join(", ")}`]);

    // Records may arrive as soon as HAProxy runs; they wait for the started load balancer.
    const started: { lb?: StartedLoadBalancer; early: HaproxyLogLine[] } = { early: [] };
    const logs = new LogReceiver(
      (line) => (started.lb ? deliver(started.lb, line) : started.early.push(line)),
      (server, healthy) => started.lb?.healthNotice(server, healthy),
    );
    const logPort = await logs.listen();
    debug("Starting HAProxy...");
    let haproxy;
    try {
      haproxy = await startHaproxy({
        frontendPort: this.port, logPort, timeoutMs: this.timeoutMs,
        retries: { count: this.retries.onConnectFailure, beforeAnswer: this.retries.beforeAnswer === true },
        servers: registry.list().map((n) => ({ cluster: n.cluster, name: n.name, host: n.host, port: n.port, ...(hc?.onAdminPort && n.adminPort !== undefined ? { checkPort: n.adminPort } : {}) })),
        green: this.weights.green,
        ...(hc ? { healthCheck: hc } : {}),
      }, ...(this.image ? [this.image] : []));
    } catch (e) {
      await logs.close();
      throw e;
    }
    const api = new RuntimeApi(haproxy.runtimeApiPort);
    const version = await api.version().catch(() => "unknown");
    const lb = (started.lb = new StartedLoadBalancer({ haproxy, version, api, logs, nodes: registry, clock: this.clock, sink: this.sink, weights: this.weights, settings, baseline: this.baseline }));
    started.early.splice(0).forEach((line) => deliver(lb, line));
    debug("Started load balancer on %s (%s)", lb.url, lb.describe());
    return lb;

    function deliver(to: StartedLoadBalancer, line: HaproxyLogLine): void {
      to.receive((seq) => toRequestRecord(line, { seq, epochOffsetMs: to.clockOffsetMs }));
    }
  }
}
