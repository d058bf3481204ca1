// Active health checks, like nginx's / Envoy's: every interval each node gets a GET on a path of
// its proxy port; `unhealthyThreshold` failures in a row take it out of rotation, and
// `healthyThreshold` successes in a row put it back. Connect failures seen on real requests count
// as failed checks too (passive), so a dead node leaves rotation without waiting for a tick.
import createDebug from "debug";
import type { Backends, NodeState } from "./backends.ts";

const debug = createDebug("harness:traffic");

export interface HealthCheckOptions {
  /** Path requested on each node's proxy port; any answer below 500 counts as healthy (Kong's 404 "no Route matched" included). */
  readonly path?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly unhealthyThreshold?: number;
  readonly healthyThreshold?: number;
  /** Which statuses count as healthy; default: below 500. */
  readonly healthyStatus?: (status: number) => boolean;
  /**
   * Envoy's panic threshold / nginx's "all upstreams failed": when every node of a cluster fails its
   * checks, route to all of them rather than answer 503 (health checks on a loaded host can be wrong
   * about every node at once). Default false.
   */
  readonly panicWhenAllUnhealthy?: boolean;
}

export type NormalizedHealthCheck = Required<Omit<HealthCheckOptions, "healthyStatus">> & Pick<HealthCheckOptions, "healthyStatus">;

export function normalizeHealthCheck(o: HealthCheckOptions): NormalizedHealthCheck {
  return {
    path: o.path ?? "/", intervalMs: o.intervalMs ?? 1_000, timeoutMs: o.timeoutMs ?? 1_000, unhealthyThreshold: o.unhealthyThreshold ?? 2, healthyThreshold: o.healthyThreshold ?? 2,
    panicWhenAllUnhealthy: o.panicWhenAllUnhealthy ?? false, healthyStatus: o.healthyStatus,
  };
}

interface Streak { failures: number; successes: number }

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private readonly streaks = new WeakMap<NodeState, Streak>();
  private running = new Set<string>();

  constructor(
    private readonly backends: Backends,
    readonly options: NormalizedHealthCheck,
    private readonly onChange: (node: NodeState, healthy: boolean) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A failure observed on the request path. */
  observeFailure(node: NodeState): void {
    this.record(node, false);
  }

  private tick(): void {
    for (const node of this.backends.list()) {
      if (this.running.has(node.name)) continue; // the previous check is still waiting for its timeout
      this.running.add(node.name);
      void this.probe(node).then((ok) => {
        this.running.delete(node.name);
        if (!node.removed) this.record(node, ok);
      });
    }
  }

  private async probe(node: NodeState): Promise<boolean> {
    try {
      const answer = await node.pool.request({ method: "GET", path: this.options.path, headers: { "x-kuh-probe": "health-check" }, signal: AbortSignal.timeout(this.options.timeoutMs) });
      await answer.body.dump();
      return this.options.healthyStatus ? this.options.healthyStatus(answer.statusCode) : answer.statusCode < 500;
    } catch (e) {
      debug("[%s] health check failed: %s", node.name, e instanceof Error ? e.message : String(e));
      return false;
    }
  }

  private record(node: NodeState, ok: boolean): void {
    const s = this.streaks.get(node) ?? { failures: 0, successes: 0 };
    this.streaks.set(node, s);
    if (ok) {
      s.successes++;
      s.failures = 0;
      if (!node.healthy && s.successes >= this.options.healthyThreshold) this.flip(node, true);
    } else {
      s.failures++;
      s.successes = 0;
      if (node.healthy && s.failures >= this.options.unhealthyThreshold) this.flip(node, false);
    }
  }

  private flip(node: NodeState, healthy: boolean): void {
    node.healthy = healthy;
    debug("[%s] %s", node.name, healthy ? "back in rotation: health checks pass" : "out of rotation: health checks fail");
    this.onChange(node, healthy);
  }
}
