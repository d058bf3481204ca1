// A running load balancer: live weights, nodes, drains, counters and the error-budget gate.
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import createDebug from "debug";
import type { RequestFailureKind, RequestLine } from "../checks/records.ts";
import { HarnessError, InvalidConfigError } from "../errors.ts";
import type { Backends, BackendNode, ClusterName, DrainTarget, NodeState } from "./backends.ts";
import { describeTarget } from "./backends.ts";
import type { Clock } from "./clock.ts";
import { ErrorBudget, liveFailure, type Baseline, type ErrorBudgetOptions } from "./error-budget.ts";
import { DrainTimeoutError, ShiftAbortedError, TrafficAbortedError } from "./errors.ts";
import type { ForwardContext } from "./forward.ts";
import type { HealthChecker, NormalizedHealthCheck } from "./health-check.ts";
import { LiveCounters, type LiveStats } from "./live-stats.ts";
import { validateWeights, type Weights } from "./weights.ts";
import type { RequestSink } from "./request-sink.ts";
import { SmoothWeightedRoundRobin } from "./smooth-wrr.ts";
import { waitUntil, type WaitOptions } from "./wait.ts";

const debug = createDebug("harness:traffic");

/** Retries of idempotent requests on another node (nginx's proxy_next_upstream "error"). */
export interface RetrySettings {
  /** How many other nodes an idempotent request that failed on connect may try; 0: retries off. */
  readonly onConnectFailure: number;
  /** Also retry when the connection broke before any byte of the answer (a node killed mid-request). */
  readonly beforeAnswer?: boolean;
  /** Try the other cluster's nodes when the chosen cluster has no untried node left. */
  readonly acrossClusters?: boolean;
}

export interface LoadBalancerSettings {
  readonly algorithm: string;
  readonly timeoutMs: number;
  readonly retries: RetrySettings;
  readonly errorBudget: ErrorBudgetOptions | null;
  readonly healthCheck: NormalizedHealthCheck | null;
}

export interface WeightChange extends Weights {
  readonly atMs: number;
  /** "set" by the scenario, "abort" by the gate. */
  readonly cause: "set" | "abort";
}

/** Why and when the load balancer rolled traffic back to blue. */
export interface Breach {
  readonly atMs: number;
  readonly reason: string;
  /** The request whose completion tripped the gate; absent for an abort() called directly. */
  readonly record?: RequestLine;
  readonly failures: number;
}

export interface NodeStatus {
  readonly name: string;
  readonly cluster: ClusterName;
  readonly url: string;
  readonly inFlight: number;
  readonly draining: boolean;
  readonly healthy: boolean;
}

export type FailureListener = (record: RequestLine, kind: RequestFailureKind) => void;
export type AbortPredicate = (stats: LiveStats, record: RequestLine) => boolean;

/** Internal wiring from LoadBalancer.start(). */
export interface StartedLoadBalancerInit {
  readonly server: Server;
  readonly backends: Backends;
  readonly clock: Clock;
  readonly sink: RequestSink;
  readonly weights: Weights;
  readonly settings: LoadBalancerSettings;
  readonly baseline: Baseline | undefined;
  readonly healthChecker: ((onChange: (node: NodeState, healthy: boolean) => void) => HealthChecker) | undefined;
}

export class StartedLoadBalancer implements AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly forwardContext: ForwardContext;
  private readonly controller = new AbortController();
  private readonly wrr: SmoothWeightedRoundRobin<ClusterName>;
  private current: Weights;
  private readonly changes: WeightChange[] = [];
  private readonly counters = new LiveCounters();
  private readonly budget: ErrorBudget | undefined;
  private promoted = false;
  private readonly health: HealthChecker | undefined;
  private readonly failureListeners = new Set<FailureListener>();
  private readonly gates = new Set<{ predicate: AbortPredicate; reason: string }>();
  private readonly abortListeners = new Set<(breach: Breach) => void>();
  private readonly healthListeners = new Set<(node: string, healthy: boolean) => void>();
  private readonly releaseWaiters = new Set<() => void>();
  private listenerError: unknown;
  private seq = 0;
  private tripped: Breach | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly init: StartedLoadBalancerInit) {
    this.port = (init.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.current = init.weights;
    this.wrr = new SmoothWeightedRoundRobin<ClusterName>({ blue: init.weights.blue, green: init.weights.green });
    this.changes.push({ atMs: init.clock.now(), ...init.weights, cause: "set" });
    this.budget = init.settings.errorBudget ? new ErrorBudget(init.settings.errorBudget) : undefined;
    this.health = init.healthChecker?.((node, healthy) => {
      for (const l of this.healthListeners) this.guard(() => l(node.name, healthy));
    });
    this.health?.start();
    this.forwardContext = {
      clock: init.clock, backends: init.backends, timeoutMs: init.settings.timeoutMs, retries: init.settings.retries,
      panic: init.settings.healthCheck?.panicWhenAllUnhealthy ?? false,
      nextSeq: () => this.seq++,
      choose: () => ({ cluster: this.wrr.next() ?? "blue", greenWeight: this.current.green }),
      connectFailed: (node) => this.health?.observeFailure(node),
      released: () => this.releaseWaiters.forEach((w) => w()),
      complete: (record) => this.complete(record),
    };
  }

  // ---- weights ------------------------------------------------------------------------------

  /** Applies at once to the next request. Throws ShiftAbortedError for green > 0 after a breach. */
  setWeights(weights: Weights): void {
    const problems = validateWeights(weights);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    if (this.tripped && weights.green > 0) throw new ShiftAbortedError(this.tripped.reason, weights.green);
    this.apply(weights, "set");
  }

  weights(): Weights {
    return this.current;
  }

  /** Every weight change with its time, starting with the initial weights. */
  weightChanges(): readonly WeightChange[] {
    return [...this.changes];
  }

  // ---- nodes and drains ---------------------------------------------------------------------

  /**
   * `untilHealthy`: the node gets traffic only once health checks pass (a cold node joining, a
   * restarted node returning); without a health checker it is routable at once.
   */
  addNode(cluster: ClusterName, node: BackendNode, options: { readonly untilHealthy?: boolean } = {}): void {
    this.init.backends.add(cluster, node, !(options.untilHealthy && this.health));
    debug("[%s] added to cluster %s at %s%s", node.name, cluster, node.url, options.untilHealthy && this.health ? ", out of rotation until health checks pass" : "");
  }

  /** A node that came back on another address (a restarted container gets new host ports): re-added, out of rotation until healthy. */
  async replaceNode(name: string, url: string): Promise<void> {
    const { cluster } = this.init.backends.get(name);
    await this.init.backends.remove(name);
    this.addNode(cluster, { name, url }, { untilHealthy: true });
  }

  /** Resolves once the node is in rotation (health checks pass); rejects after timeoutMs. */
  async waitUntilHealthy(name: string, options: WaitOptions = {}): Promise<void> {
    const healthy = (): boolean => this.init.backends.list().some((n) => n.name === name && n.healthy);
    if (healthy()) return;
    const wake = new Set<() => void>();
    const off = this.onHealthChange(() => wake.forEach((w) => w()));
    try {
      await waitUntil(healthy, wake, `Node "${name}" back in rotation`, options, (ms) => new HarnessError(`node "${name}" did not pass health checks within ${ms}ms`));
    } finally {
      off();
    }
  }

  /** Takes a node out at once; resolves when its in-flight requests are done and its pool closed. */
  async removeNode(name: string): Promise<void> {
    await this.init.backends.remove(name);
    debug("[%s] removed", name);
  }

  nodes(cluster?: ClusterName): NodeStatus[] {
    return this.init.backends.list(cluster).map(({ name, cluster: c, url, inFlight, draining, healthy }) => ({ name, cluster: c, url, inFlight, draining, healthy }));
  }

  /**
   * Stops sending new requests to the target (the nodes it has now; a node added later is not
   * draining) and resolves once its in-flight requests finished.
   * Weights are not changed: a request chosen for a cluster without routable nodes gets 503
   * (no-backend), as Envoy answers "no healthy upstream"; shift the weights away first.
   */
  async drain(target: DrainTarget, options: WaitOptions = {}): Promise<void> {
    const nodes = this.init.backends.resolve(target);
    const what = describeTarget(target);
    debug("Draining %s...", what);
    for (const n of nodes) n.draining = true;
    const inFlight = (): number => nodes.reduce((sum, n) => sum + n.inFlight, 0);
    await this.waitFor(() => inFlight() === 0, `Drain of ${what}`, options, (ms) => new DrainTimeoutError(what, ms, inFlight()));
    debug("Drained %s", what);
  }

  /** Puts drained nodes back in rotation. */
  undrain(target: DrainTarget): void {
    for (const n of this.init.backends.resolve(target)) n.draining = false;
  }

  // ---- gates --------------------------------------------------------------------------------

  /** Called synchronously for every failed request. Returns an unsubscribe function. */
  onFailure(listener: FailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Rolls traffic back to blue as soon as the predicate holds after a request completes. */
  abortIf(predicate: AbortPredicate, reason = "abort condition met"): () => void {
    const gate = { predicate, reason };
    this.gates.add(gate);
    return () => this.gates.delete(gate);
  }

  /** Called synchronously, once, when traffic is rolled back to blue. */
  onAbort(listener: (breach: Breach) => void): () => void {
    this.abortListeners.add(listener);
    return () => this.abortListeners.delete(listener);
  }

  /** Called when health checks take a node out of rotation or put it back. */
  onHealthChange(listener: (node: string, healthy: boolean) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Aborted when the gate trips; race waits against it. */
  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  get breach(): Breach | undefined {
    return this.tripped;
  }

  /**
   * Promotion completed: the old cluster is being retired, so from now on a breach is still
   * recorded (and aborts waits) but no longer rolls traffic back to nodes that are going away.
   */
  promote(): void {
    this.promoted = true;
  }

  /** Rolls traffic back to blue now (also what a breach does), unless the shift was promoted. */
  abort(reason: string, record?: RequestLine): void {
    if (this.tripped) return;
    if (!this.promoted) this.apply({ blue: 100, green: 0 }, "abort");
    this.tripped = { atMs: this.init.clock.now(), reason, ...(record ? { record } : {}), failures: this.counters.snapshot().failures };
    debug("Rolling back to blue 100%%: %s", reason);
    this.controller.abort(new TrafficAbortedError(`traffic shift (${reason})`));
    for (const l of this.abortListeners) this.guard(() => l(this.tripped!));
  }

  stats(): LiveStats {
    return { ...this.counters.snapshot(), inFlight: this.init.backends.list().reduce((s, n) => s + n.inFlight, 0) };
  }

  settings(): LoadBalancerSettings {
    return this.init.settings;
  }

  describe(): string {
    const s = this.init.settings;
    const budget = s.errorBudget ? `, error budget ${s.errorBudget.maxFailures}` : "";
    const hc = s.healthCheck ? `, health check GET ${s.healthCheck.path} every ${s.healthCheck.intervalMs}ms` : "";
    const retries = `retries on connect failure ${s.retries.onConnectFailure}${s.retries.beforeAnswer ? " (also on a reset before the answer)" : ""}${s.retries.acrossClusters ? " across clusters" : ""}`;
    return `blue ${this.current.blue}% / green ${this.current.green}%, timeout ${s.timeoutMs}ms, ${retries}${budget}${hc}`;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Stops accepting, waits for in-flight requests (at most timeoutMs), closes pools, flushes the sink. */
  stop(options: WaitOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(options);
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** A bug in the proxy path: answer 500 and keep the error for stop(). */
  internalError(e: unknown, res: ServerResponse): void {
    this.listenerError ??= e;
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end("kuh-lb: internal error\n");
    else res.destroy();
  }

  private async doStop(options: WaitOptions): Promise<void> {
    debug("Stopping load balancer...");
    this.health?.stop();
    const closed = new Promise<void>((resolve) => this.init.server.close(() => resolve()));
    this.init.server.closeIdleConnections();
    const inFlight = (): number => this.init.backends.list().reduce((s, n) => s + n.inFlight, 0);
    let drained = false;
    try {
      await this.waitFor(() => inFlight() === 0, "Stop of the load balancer", { timeoutMs: options.timeoutMs ?? this.init.settings.timeoutMs + 1_000, signal: options.signal },
        (ms) => new DrainTimeoutError("the load balancer", ms, inFlight()));
      drained = true;
    } finally {
      this.init.server.closeAllConnections();
      await closed;
      await (drained ? this.init.backends.closeAll() : this.init.backends.destroyAll());
      await this.init.sink.flush();
    }
    debug("Stopped load balancer");
    if (this.listenerError !== undefined) {
      throw new HarnessError(`a load balancer listener or the proxy path failed: ${String(this.listenerError)}`, { cause: this.listenerError });
    }
  }

  private apply(weights: Weights, cause: WeightChange["cause"]): void {
    if (weights.blue !== this.current.blue || weights.green !== this.current.green) this.wrr.setWeights({ blue: weights.blue, green: weights.green });
    this.current = { blue: weights.blue, green: weights.green };
    this.changes.push({ atMs: this.init.clock.now(), ...this.current, cause });
    debug("Advance weights: blue %d%% / green %d%% (%s)", weights.blue, weights.green, cause);
  }

  private complete(record: RequestLine): void {
    const failure = liveFailure(record, this.init.baseline);
    this.counters.add(record, failure);
    this.init.sink.write(record);
    if (failure !== undefined) {
      for (const l of this.failureListeners) this.guard(() => l(record, failure));
      if (this.budget?.observe()) {
        const b = this.budget.options.maxFailures;
        this.abort(`error budget breached: ${this.budget.failed} failed requests, at most ${b} allowed (last: ${failure} on ${record.node ?? record.cluster})`, record);
      }
    }
    if (this.gates.size > 0 && !this.tripped) {
      const stats = this.stats();
      for (const g of this.gates) if (this.guard(() => g.predicate(stats, record))) this.abort(g.reason, record);
    }
  }

  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.listenerError ??= e;
      return undefined;
    }
  }

  private waitFor(done: () => boolean, what: string, options: WaitOptions, onTimeout: (ms: number) => Error): Promise<void> {
    return waitUntil(done, this.releaseWaiters, what, options, onTimeout);
  }
}
