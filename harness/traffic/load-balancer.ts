// The harness's load balancer: a reverse proxy on 127.0.0.1 in front of the blue (old) and green
// (new) Kong clusters, with live weights (smooth weighted round-robin between clusters,
// round-robin between a cluster's nodes), drains, health checks, retries on connect failure, and
// an error budget that rolls traffic back to blue synchronously on the request path.
import { createServer, type Server } from "node:http";
import createDebug from "debug";
import { EnvironmentError, InvalidConfigError } from "../errors.ts";
import { Backends, type BackendNode, type ClusterName } from "./backends.ts";
import { SystemClock, type Clock } from "./clock.ts";
import type { Baseline, ErrorBudgetOptions } from "./error-budget.ts";
import { forward } from "./forward.ts";
import { HealthChecker, normalizeHealthCheck, type HealthCheckOptions } from "./health-check.ts";
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

  withClock(clock: Clock): this { this.clock = clock; return this; }
  /** Where RequestRecords go (e.g. a JsonlRequestSink on requests.jsonl); flushed on stop, not closed. */
  withSink(sink: RequestSink): this { this.sink = sink; return this; }
  withNodes(cluster: ClusterName, nodes: readonly BackendNode[]): this { nodes.forEach((node) => this.nodes.push({ cluster, node })); return this; }
  /** Initial weights; default blue 100, green 0. */
  withWeights(weights: Weights): this { this.weights = weights; return this; }
  /** Per upstream attempt, headers and body; default 10 s. */
  withTimeoutMs(ms: number): this { this.timeoutMs = ms; return this; }
  /** Idempotent requests that failed to connect are retried on another node (of the same cluster, unless acrossClusters); 0 turns retries off. */
  withRetries(retries: RetrySettings): this { this.retries = retries; return this; }
  /** A breach (more than maxFailures failed requests) sets weights to blue 100% at once. */
  withErrorBudget(budget: ErrorBudgetOptions): this { this.budget = budget; return this; }
  /** Probe name -> expected status(es); without it, transport errors and 5xx are failures. */
  withBaseline(baseline: Baseline): this { this.baseline = baseline; return this; }
  withHealthCheck(options: HealthCheckOptions = {}): this { this.healthCheck = options; return this; }
  /** Port on 127.0.0.1; default 0 (any free port). */
  withPort(port: number): this { this.port = port; return this; }

  settings(): LoadBalancerSettings {
    return {
      algorithm: "smooth weighted round-robin between clusters, round-robin between nodes",
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
    const backends = new Backends();
    try {
      for (const { cluster, node } of this.nodes) backends.add(cluster, node);
    } catch (e) {
      await backends.closeAll();
      throw e;
    }
    debug("Starting load balancer...");
    const settings = this.settings();
    const started: { lb?: StartedLoadBalancer } = {};
    const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, (req, res) => {
      const lb = started.lb;
      if (!lb) return void res.writeHead(503).end();
      void forward(lb.forwardContext, req, res).catch((e: unknown) => lb.internalError(e, res));
    });
    try {
      await listen(server, this.port);
    } catch (e) {
      await backends.closeAll();
      throw new EnvironmentError(`Load balancer could not listen on 127.0.0.1:${this.port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const health = this.healthCheck ? normalizeHealthCheck(this.healthCheck) : undefined;
    const lb = (started.lb = new StartedLoadBalancer({
      server, backends, clock: this.clock, sink: this.sink, weights: this.weights, settings, baseline: this.baseline,
      healthChecker: health ? (onChange) => new HealthChecker(backends, health, onChange) : undefined,
    }));
    debug("Started load balancer on %s (%s)", lb.url, lb.describe());
    return lb;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
