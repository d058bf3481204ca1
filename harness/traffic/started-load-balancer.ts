// A running HAProxy in front of the two clusters, driven from the outside: live weights, nodes
// added, replaced and removed, drains (all through the Runtime API), request records from its log
// (streamed as requests end), counters, and the error-budget gate that rolls traffic back to blue.
import { WallClockLead } from "./wall-clock.ts";
import { performance } from "node:perf_hooks";
import createDebug from "debug";
import type { RequestFailureKind, RequestLine } from "../checks/records.ts";
import { HarnessError, InvalidConfigError } from "../errors.ts";
import type { Clock } from "./clock.ts";
import { ErrorBudget, liveFailure, type Baseline, type ErrorBudgetOptions } from "./error-budget.ts";
import { DrainTimeoutError, ShiftAbortedError, TrafficAbortedError } from "./errors.ts";
import { GREEN_KEY, serverOptions, WEIGHTS_MAP, type HaproxyHealthCheck } from "./haproxy/config.ts";
import type { StartedHaproxy } from "./haproxy/container.ts";
import type { LogReceiver } from "./haproxy/log-receiver.ts";
import { serverHealthy, type RuntimeApi, type StatSnapshot } from "./haproxy/runtime-api.ts";
import { LiveCounters, type LiveStats } from "./live-stats.ts";
import { describeTarget, type BackendNode, type ClusterName, type DrainTarget, type NodeRegistry, type NodeState } from "./nodes.ts";
import type { RequestSink } from "./request-sink.ts";
import { waitUntil, type WaitOptions } from "./wait.ts";
import { validateWeights, type Weights } from "./weights.ts";

const debug = createDebug("harness:traffic");

/** How often the harness reads HAProxy's server states (health, requests in progress). */
export const POLL_INTERVAL_MS = 100;

/** Retries as operators configure them: `retries`, `retry-on conn-failure`, `option redispatch`. */
export interface RetrySettings {
  /** How many further attempts a request that failed to connect gets, each on another node; 0: retries off. */
  readonly onConnectFailure: number;
  /** Also retry when the connection broke before any byte of the answer (`retry-on empty-response`). */
  readonly beforeAnswer?: boolean;
}

export interface LoadBalancerSettings {
  readonly implementation: string;
  readonly algorithm: string;
  readonly timeoutMs: number;
  readonly retries: RetrySettings;
  readonly errorBudget: ErrorBudgetOptions | null;
  readonly healthCheck: HaproxyHealthCheck | null;
}

export interface WeightChange extends Weights {
  readonly atMs: number;
  /** "set" by the scenario, "abort" by the gate. */
  readonly cause: "set" | "abort";
  /** The green weight HAProxy reported back after applying the change. */
  readonly applied?: number;
}

/** Why and when the load balancer rolled traffic back to blue. */
export interface Breach {
  readonly atMs: number;
  readonly reason: string;
  /** The request whose record tripped the gate; absent for an abort() called directly. */
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
  readonly haproxy: StartedHaproxy;
  readonly version: string;
  readonly api: RuntimeApi;
  readonly logs: LogReceiver;
  readonly nodes: NodeRegistry;
  readonly clock: Clock;
  readonly sink: RequestSink;
  readonly weights: Weights;
  readonly settings: LoadBalancerSettings;
  readonly baseline: Baseline | undefined;
}

export class StartedLoadBalancer implements AsyncDisposable {
  readonly url: string;
  readonly port: number;
  private readonly controller = new AbortController();
  private current: Weights;
  private readonly changes: WeightChange[] = [];
  private readonly counters = new LiveCounters();
  private readonly budget: ErrorBudget | undefined;
  private promoted = false;
  private readonly failureListeners = new Set<FailureListener>();
  private readonly gates = new Set<{ predicate: AbortPredicate; reason: string }>();
  private readonly abortListeners = new Set<(breach: Breach) => void>();
  private readonly healthListeners = new Set<(node: string, healthy: boolean) => void>();
  /** Woken after every read of HAProxy's server states. */
  private readonly pollWaiters = new Set<() => void>();
  private listenerError: unknown;
  private seq = 0;
  private tripped: Breach | undefined;
  private stopping: Promise<void> | undefined;
  /** Runtime API changes, one after another, in the order asked. */
  private chain: Promise<void> = Promise.resolve();
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  /** Monotonic epoch ms minus run-clock ms (fixed), and the wall clock's lead over it (tracked). */
  private readonly monotonicOffsetMs: number;
  private readonly wallLead = new WallClockLead();
  /** Records of requests HAProxy split to a cluster, to compare with its own count at stop. */
  private clusterRecords = 0;
  /** Records that arrived per server (`cluster/node`), logged or proven by its counters. */
  private readonly accounted = new Map<string, number>();
  /** The check of HAProxy's counters against the records in progress: one at a time, so none is counted twice. */
  private unloggedCheck: Promise<void> | undefined;
  /** Servers HAProxy could not delete (still holding connections): in maintenance, reused by a node of the same name. */
  private readonly parked = new Set<string>();

  constructor(private readonly init: StartedLoadBalancerInit) {
    this.port = init.haproxy.frontendPort;
    this.url = `http://127.0.0.1:${this.port}`;
    this.current = init.weights;
    // Sub-millisecond epoch time, read beside the run clock: HAProxy's dates are in µs.
    this.monotonicOffsetMs = performance.timeOrigin + performance.now() - init.clock.now();
    this.changes.push({ atMs: init.clock.now(), ...init.weights, cause: "set" });
    this.budget = init.settings.errorBudget ? new ErrorBudget(init.settings.errorBudget) : undefined;
    this.poller = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
  }

  /** Wall-clock epoch ms minus run-clock ms, as of now (the wall clock drifts): for HAProxy's dates (records.ts). */
  get clockOffsetMs(): number {
    return this.monotonicOffsetMs + this.wallLead.now();
  }

  /** One request record from HAProxy's log (LogReceiver's callback, via load-balancer.ts). */
  receive(toRecord: (seq: number) => RequestLine): void {
    this.complete(toRecord(this.seq++));
  }

  // ---- weights ------------------------------------------------------------------------------

  /** Applies the weights through the Runtime API; resolves once HAProxy has them. Throws ShiftAbortedError for green > 0 after a breach. */
  async setWeights(weights: Weights): Promise<void> {
    const problems = validateWeights(weights);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    if (this.tripped && weights.green > 0) throw new ShiftAbortedError(this.tripped.reason, weights.green);
    await this.apply(weights, "set");
  }

  weights(): Weights {
    return this.current;
  }

  /** Every weight change with its time (when HAProxy confirmed it), starting with the initial weights. */
  weightChanges(): readonly WeightChange[] {
    return [...this.changes];
  }

  // ---- nodes and drains ---------------------------------------------------------------------

  /**
   * `untilHealthy`: the node gets traffic only once HAProxy's health checks pass (a cold node
   * joining); without health checks it is routable at once.
   */
  async addNode(cluster: ClusterName, node: BackendNode, options: { readonly untilHealthy?: boolean } = {}): Promise<void> {
    const hc = this.init.settings.healthCheck ?? undefined;
    const waitForChecks = options.untilHealthy === true && hc !== undefined;
    const state = this.init.nodes.add(cluster, node, !waitForChecks);
    const server = serverOf(state);
    // A server added at run time starts in maintenance; leaving it marks it up, so a node that must
    // pass its checks first is marked down in the same command line, before any request is routed.
    const parked = this.parked.delete(server);
    await this.change(() => this.init.api.run([
      parked ? `set server ${server} addr ${state.host} port ${state.port}` : `add server ${server} ${state.host}:${state.port} ${serverOptions(hc, this.checkPortOf(state))}`,
      ...(parked && hc?.onAdminPort ? [`set server ${server} check-port ${this.checkPortOf(state)}`] : []),
      ...(hc ? [`enable health ${server}`] : []),
      parked ? `set server ${server} state ready` : `enable server ${server}`,
      ...(waitForChecks ? [`set server ${server} health down`] : []),
    ]));
    debug("[%s] added to cluster %s at %s%s", node.name, cluster, node.url, waitForChecks ? ", out of rotation until health checks pass" : "");
  }

  /** A node that came back on another address (a restarted container gets new host ports): out of rotation until healthy. */
  async replaceNode(name: string, url: string, adminUrl?: string): Promise<void> {
    const node = this.init.nodes.get(name);
    const { cluster } = node;
    this.init.nodes.remove(name);
    const state = this.init.nodes.add(cluster, { name, url, ...(adminUrl !== undefined ? { adminUrl } : {}) }, this.init.settings.healthCheck === null);
    const server = serverOf(state);
    await this.change(() => this.init.api.run([
      `set server ${server} addr ${state.host} port ${state.port}`,
      ...(this.init.settings.healthCheck?.onAdminPort ? [`set server ${server} check-port ${this.checkPortOf(state)}`] : []),
      ...(this.init.settings.healthCheck ? [`set server ${server} health down`] : []),
    ]));
  }

  /** Resolves once the node is in rotation (health checks pass); rejects after timeoutMs. */
  async waitUntilHealthy(name: string, options: WaitOptions = {}): Promise<void> {
    const healthy = (): boolean => this.init.nodes.has(name) && this.init.nodes.get(name).healthy;
    await waitUntil(healthy, this.pollWaiters, `Node "${name}" back in rotation`, options, (ms) => new HarnessError(`node "${name}" did not pass health checks within ${ms}ms`));
  }

  /** Takes a node out at once; resolves when its in-flight requests are done and recorded, and HAProxy deleted it. */
  async removeNode(name: string): Promise<void> {
    const node = this.init.nodes.get(name);
    node.draining = true;
    const server = serverOf(node);
    await this.change(() => this.init.api.run([`set server ${server} state maint`]));
    await this.settle([node.name], { timeoutMs: this.init.settings.timeoutMs + 1_000 }, `Removal of node "${name}"`);
    await this.change(async () => {
      // Deleting needs the server without connections, idle ones included; one HAProxy still keeps
      // stays in maintenance (no traffic) under a name no later node takes.
      await this.init.api.run([`shutdown sessions server ${server}`, `del server ${server}`]).catch(async () => {
        await this.init.api.run([`set server ${server} addr 127.0.0.1 port 9`]);
        this.parked.add(server);
      });
      this.init.nodes.remove(name);
    });
    debug("[%s] removed", name);
  }

  nodes(cluster?: ClusterName): NodeStatus[] {
    return this.init.nodes.list(cluster).map(({ name, cluster: c, url, inFlight, draining, healthy }) => ({ name, cluster: c, url, inFlight, draining, healthy }));
  }

  /**
   * Stops sending new requests to the target (the nodes it has now; a node added later is not
   * draining: `set server ... state drain`) and resolves once their in-flight requests finished and
   * were recorded. Weights are not changed: a request split to a cluster without a node in
   * rotation gets HAProxy's 503 (no-backend); shift the weights away first.
   */
  async drain(target: DrainTarget, options: WaitOptions = {}): Promise<void> {
    const nodes = this.init.nodes.resolve(target);
    const what = describeTarget(target);
    debug("Draining %s...", what);
    for (const n of nodes) n.draining = true;
    await this.change(() => this.init.api.run(nodes.map((n) => `set server ${serverOf(n)} state drain`)));
    await this.settle(nodes.map((n) => n.name), options, `Drain of ${what}`);
    debug("Drained %s", what);
  }

  /** Puts drained nodes back in rotation. */
  async undrain(target: DrainTarget): Promise<void> {
    const nodes = this.init.nodes.resolve(target);
    for (const n of nodes) n.draining = false;
    await this.change(() => this.init.api.run(nodes.map((n) => `set server ${serverOf(n)} state ready`)));
  }

  // ---- gates --------------------------------------------------------------------------------

  /** Called for every failed request, as its record arrives. Returns an unsubscribe function. */
  onFailure(listener: FailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Rolls traffic back to blue as soon as the predicate holds after a record arrives. */
  abortIf(predicate: AbortPredicate, reason = "abort condition met"): () => void {
    const gate = { predicate, reason };
    this.gates.add(gate);
    return () => this.gates.delete(gate);
  }

  /** Called once, when traffic is rolled back to blue. */
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
    this.tripped = { atMs: this.init.clock.now(), reason, ...(record ? { record } : {}), failures: this.counters.snapshot().failures };
    debug("Rolling back to blue 100%%: %s", reason);
    if (!this.promoted) void this.apply({ blue: 100, green: 0 }, "abort").catch((e: unknown) => void (this.listenerError ??= e));
    this.controller.abort(new TrafficAbortedError(`traffic shift (${reason})`));
    for (const l of this.abortListeners) this.guard(() => l(this.tripped!));
  }

  /** Resolves once the record of every request that ended so far has arrived (and gone to the sink). */
  recorded(): Promise<void> {
    return this.init.logs.sync(this.url);
  }

  stats(): LiveStats {
    return { ...this.counters.snapshot(), inFlight: this.init.nodes.list().reduce((s, n) => s + n.inFlight, 0) };
  }

  settings(): LoadBalancerSettings {
    return this.init.settings;
  }

  /** HAProxy's version and the configuration the harness generated, for the report. */
  haproxy(): { readonly version: string; readonly image: string; readonly config: string } {
    return { version: this.init.version, image: this.init.haproxy.image, config: this.init.haproxy.config };
  }

  describe(): string {
    const s = this.init.settings;
    const budget = s.errorBudget ? `, error budget ${s.errorBudget.maxFailures}` : "";
    const hc = s.healthCheck ? `, health check GET ${s.healthCheck.path}${s.healthCheck.onAdminPort ? " on the Admin API" : ""} every ${s.healthCheck.intervalMs}ms` : "";
    const retries = s.retries.onConnectFailure > 0 ? `retries ${s.retries.onConnectFailure} on another node (connect failures${s.retries.beforeAnswer ? ", connections closed before the answer" : ""})` : "no retries";
    return `HAProxy ${this.init.version}: blue ${this.current.blue}% / green ${this.current.green}%, timeout ${s.timeoutMs}ms, ${retries}${budget}${hc}`;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Waits for in-flight requests (at most timeoutMs) and their records, stops HAProxy, flushes the sink. */
  stop(options: WaitOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(options);
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async doStop(options: WaitOptions): Promise<void> {
    debug("Stopping load balancer...");
    let missing: string | undefined;
    try {
      await this.chain.catch(() => undefined);
      await this.settle(this.init.nodes.list().map((n) => n.name), { timeoutMs: options.timeoutMs ?? this.init.settings.timeoutMs + 1_000, signal: options.signal }, "Stop of the load balancer");
      const final = await this.init.api.stat();
      await this.recordUnlogged(final);
      const { backendRequests } = final;
      if (this.clusterRecords < backendRequests) missing = `HAProxy's backends were given ${backendRequests} requests but ${this.clusterRecords} records arrived${this.init.logs.unparsed ? ` (${this.init.logs.unparsed} log lines were not records: ${this.init.logs.lastUnparsed})` : ""}`;
    } finally {
      clearInterval(this.poller);
      await this.init.haproxy.container.stop({ timeout: 1_000 }).catch(() => undefined);
      await this.init.logs.close();
      await this.init.sink.flush();
    }
    debug("Stopped load balancer");
    if (missing) throw new HarnessError(`request records are missing: ${missing}`);
    if (this.listenerError !== undefined) {
      throw new HarnessError(`a load balancer listener or a Runtime API change failed: ${String(this.listenerError)}`, { cause: this.listenerError });
    }
  }

  /** Waits until the named servers have nothing in progress, then until every record up to now arrived. */
  private async settle(names: readonly string[], options: WaitOptions, what: string): Promise<void> {
    const inFlight = (): number => this.init.nodes.list().filter((n) => names.includes(n.name)).reduce((s, n) => s + n.inFlight, 0);
    await this.poll(); // a fresh read, not one from before the state change
    await waitUntil(() => inFlight() === 0, this.pollWaiters, what, options, (ms) => new DrainTimeoutError(what.replace(/^\w+ of /, ""), ms, inFlight()));
    await this.init.logs.sync(this.url);
  }

  /** Weights take effect in the order asked: a set queued before an abort is applied before it. */
  private apply(weights: Weights, cause: WeightChange["cause"]): Promise<void> {
    return this.change(async () => {
      await this.init.api.run([`set map ${WEIGHTS_MAP} ${GREEN_KEY} ${weights.green}`]);
      this.current = { blue: weights.blue, green: weights.green };
      const atMs = this.init.clock.now();
      const applied = await this.init.api.green();
      this.changes.push({ atMs, ...this.current, cause, ...(applied !== undefined ? { applied } : {}) });
      if (applied !== weights.green) throw new HarnessError(`HAProxy holds green weight ${applied ?? "none"} after the harness set ${weights.green}`);
      debug("Weights: blue %d%% / green %d%% (%s)", weights.blue, weights.green, cause);
    });
  }

  private change(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Reads health and requests in progress per server; a health change rebalances the weights. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    let stat: StatSnapshot | undefined;
    try {
      stat = await this.init.api.stat();
    } catch (e) {
      if (!this.stopping) debug("Runtime API read failed: %s", e instanceof Error ? e.message : String(e));
    } finally {
      this.polling = false;
    }
    if (stat) this.observe(stat);
    this.pollWaiters.forEach((w) => w());
    if (stat && !this.unloggedCheck && !this.stopping) await this.recordUnlogged(stat);
  }

  /**
   * Requests a server was given that no record accounts for: when a node closes a kept-alive
   * connection without answering, HAProxy closes the client's connection silently (so the client
   * may send it again) and logs nothing. Its counters still count the request (`stot`). Read at
   * time T, the requests a server ended before T are its sessions minus those in progress; after a
   * log sync begun later than T every one of them that was logged has arrived, so what is still
   * missing was never logged and becomes a record (`unlogged`): the failure is the node's like any
   * other. (Requests that began after T only make the count smaller: never a false record.)
   */
  private async recordUnlogged(stat: StatSnapshot): Promise<void> {
    while (this.unloggedCheck) await this.unloggedCheck;
    this.unloggedCheck = this.checkUnlogged(stat).finally(() => (this.unloggedCheck = undefined));
    await this.unloggedCheck;
  }

  private async checkUnlogged(first: StatSnapshot): Promise<void> {
    const shortfall = (stat: StatSnapshot): Map<string, number> => new Map(stat.servers.map((s) => {
      const key = `${s.backend}/${s.name}`;
      return [key, s.sessions - s.current - s.retriedAway - (this.accounted.get(key) ?? 0)] as const;
    }));
    const seenAt = this.init.clock.now();
    if (![...shortfall(first).values()].some((n) => n > 0)) return;
    try {
      await this.init.logs.sync(this.url);
      for (const [key, missing] of shortfall(first)) {
        const [cluster, node] = key.split("/") as [ClusterName, string];
        for (let i = 0; i < missing; i++) {
          this.complete({
            seq: this.seq++, startMs: seenAt, endMs: seenAt, probe: "", method: "", path: "", cluster, node, status: null, error: "reset", attempts: 1, clientStatus: null,
            greenWeight: this.current.green,
            unlogged: "the node closed the connection without answering; HAProxy closed the client's kept-alive connection without a response and logged nothing (counted from its `stot`)",
          });
        }
      }
    } catch (e) {
      if (!this.stopping) debug("Checking HAProxy's counters against the records failed: %s", e instanceof Error ? e.message : String(e));
    }
  }

  /** The port a node's checks go to when they are on its Admin API; refused when it has none. */
  private checkPortOf(node: NodeState): number | undefined {
    if (!this.init.settings.healthCheck?.onAdminPort) return undefined;
    if (node.adminPort === undefined) throw new InvalidConfigError([`node "${node.name}": health checks are on the Admin API, but the node was given no adminUrl`]);
    return node.adminPort;
  }

  /** HAProxy's notice that a check marked a server up or down: the same as the next stats read would say, sooner. */
  healthNotice(server: string, healthy: boolean): void {
    const name = server.slice(server.indexOf("/") + 1);
    if (this.init.settings.healthCheck === null || !this.init.nodes.has(name)) return;
    this.setHealth(this.init.nodes.get(name), healthy, "HAProxy's notice");
    this.pollWaiters.forEach((w) => w());
  }

  private setHealth(node: NodeState, healthy: boolean, how: string): void {
    if (healthy === node.healthy) return;
    node.healthy = healthy;
    debug("[%s] %s (%s)", node.name, healthy ? "back in rotation: health checks pass" : "out of rotation: health checks fail", how);
    for (const l of this.healthListeners) this.guard(() => l(node.name, healthy));
  }

  private observe(stat: StatSnapshot): void {
    const hc = this.init.settings.healthCheck !== null;
    for (const s of stat.servers) {
      if (!this.init.nodes.has(s.name)) continue;
      const node = this.init.nodes.get(s.name);
      node.inFlight = s.current + s.queued;
      // Drain and maintenance hide the health in `status`; the harness keeps what it knew.
      if (!hc || /^(MAINT|DRAIN)/.test(s.status)) continue;
      this.setHealth(node, serverHealthy(s), `show stat: ${s.status}, ${s.checkStatus}`);
    }
  }

  private complete(record: RequestLine): void {
    if (record.cluster !== "none" && record.unlogged === undefined) this.clusterRecords++;
    if (record.node !== null && record.cluster !== "none") {
      const key = `${record.cluster}/${record.node}`;
      this.accounted.set(key, (this.accounted.get(key) ?? 0) + 1);
    }
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
}

/** A node's server in HAProxy: its cluster's backend. */
const serverOf = (node: Pick<NodeState, "cluster" | "name">): string => `${node.cluster}/${node.name}`;
