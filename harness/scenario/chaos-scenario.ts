// The Postgres blue/green procedure with a fault schedule: the same steps as UpgradeScenario, a
// load balancer set up like a production one (health checks, retries), optionally Toxiproxy between
// every node and the datastore, and a nemesis that injects each fault at its phase, step or time.
// The fault-expectations check judges every fault against its declared expectation.
import { CHAOS_CHECKS } from "../checks/index.ts";
import { DatastoreProxies } from "../chaos/datastore-proxies.ts";
import type { ChaosTargets } from "../chaos/fault-injector.ts";
import { Nemesis } from "../chaos/nemesis.ts";
import { describeFault, resolveSchedule, type FaultSpec, type ResolvedFault } from "../chaos/schedule.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import type { NodeEnv } from "../kong/cluster.ts";
import type { KongImage } from "../kong/kong-image.ts";
import { KongMigrations } from "../kong/migrations.ts";
import type { Report } from "../report/index.ts";
import { onCleanup } from "../runtime/cleanup.ts";
import type { HealthCheckOptions, LoadBalancer, RetrySettings } from "../traffic/index.ts";
import type { RunOptions } from "./run-options.ts";
import { UpgradeScenario } from "./upgrade-scenario.ts";

/** The load balancer of a chaos run; every field has a production-like default. */
export interface ChaosLoadBalancer {
  /** Default: 2 other nodes, also on a reset before the answer, across clusters. `{onConnectFailure: 0}`: retries off. */
  readonly retries?: RetrySettings;
  /**
   * Default: GET /public/items, or /kuh-health beside a user's configuration (a seeded route, so a cold node passes only once it has its configuration)
   * every 500 ms, timeout 2 s, 200 only, 3 failures to leave, 2 passes to return, all nodes tried when none passes.
   */
  readonly healthCheck?: HealthCheckOptions;
  /** Per upstream attempt; default 5000 ms, so a frozen node's requests fail in bounded time. */
  readonly timeoutMs?: number;
  /** Failed requests before the live gate rolls traffic back; default: the faults' budgets + 50. */
  readonly errorBudget?: number;
}

export interface ChaosPlan {
  readonly faults: readonly FaultSpec[];
  /** Route every Kong node and migration command to the datastore through Toxiproxy (needed for toxic faults). */
  readonly toxiproxy?: boolean;
  readonly loadBalancer?: ChaosLoadBalancer;
}


export class ChaosScenario extends UpgradeScenario {
  readonly schedule: readonly ResolvedFault[];
  private proxies?: DatastoreProxies;
  private migrationsEnv?: Record<string, string>;
  private nemesis?: Nemesis;

  constructor(name: string, options: RunOptions, readonly plan: ChaosPlan) {
    super(name, options, CHAOS_CHECKS);
    const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
    this.schedule = resolveSchedule(plan.faults, {
      seed: options.seed, toxiproxy: plan.toxiproxy ?? false, steps: options.steps,
      nodes: { blue: names("blue", options.oldNodes), green: names("green", options.newNodes) },
    });
  }

  /** Every fault of the resolved schedule, one line each (the seed decided the random parts). */
  describeSchedule(): string[] {
    return [`seed ${this.options.seed}`, ...this.schedule.map(describeFault)];
  }

  protected override async startInfrastructure(): Promise<StartedDatastore> {
    const ds = await super.startInfrastructure();
    if (this.plan.toxiproxy) {
      const proxies = (this.proxies = await DatastoreProxies.start(ds));
      onCleanup("toxiproxy", () => proxies.stop());
      this.migrationsEnv = await proxies.kongEnv("migrations");
      this.rec.images.push({ role: "toxiproxy", ref: "ghcr.io/shopify/toxiproxy:2.12.0", standin: false });
    }
    return ds;
  }

  protected override nodeEnv(): NodeEnv | undefined {
    const proxies = this.proxies;
    return proxies ? (node) => proxies.kongEnv(node) : undefined;
  }

  protected override migrations(image: KongImage, cluster: "blue" | "green", datastore = this.need(this.datastore, "datastore")): KongMigrations {
    if (!this.migrationsEnv) return super.migrations(image, cluster, datastore);
    const tuning = this.tuning(cluster);
    return new KongMigrations(image.ref, datastore, { ...tuning, extraEnv: { ...tuning.extraEnv, ...this.migrationsEnv } });
  }

  protected override configureLoadBalancer(lb: LoadBalancer): LoadBalancer {
    const o = this.plan.loadBalancer ?? {};
    const budgets = this.schedule.reduce((sum, f) => sum + (f.expect.kind === "budget" ? f.expect.maxFailures : 0), 0);
    return lb
      .withRetries(o.retries ?? { onConnectFailure: 2, beforeAnswer: true })
      .withHealthCheck(o.healthCheck ?? this.seededRouteHealthCheck())
      .withTimeoutMs(o.timeoutMs ?? 5_000)
      .withErrorBudget({ maxFailures: o.errorBudget ?? budgets + 50 });
  }

  override async startLoad(): Promise<void> {
    await super.startLoad();
    const lb = this.need(this.lb, "load balancer");
    const settings = lb.settings();
    this.nemesis = new Nemesis({
      history: this.rec.history, schedule: this.schedule, targets: this.targets(), seed: this.options.seed, toxiproxy: !!this.proxies,
      loadBalancer: { ...settings, version: lb.haproxy().version },
    });
    this.nemesis.start();
  }

  /** The old cluster is retired only once every fault held so far has recovered. */
  override async retireBlue(): Promise<void> {
    await this.nemesis?.settled();
    await super.retireBlue();
  }

  override async tearDown(interrupted?: string): Promise<Report> {
    await this.nemesis?.stop();
    return super.tearDown(interrupted);
  }

  private targets(): ChaosTargets {
    const clusters = () => [this.blue, this.green].filter((c) => c !== undefined);
    return {
      node: (name) => clusters().flatMap((c) => c.nodes).find((n) => n.name === name),
      nodeNames: (scope) => clusters().filter((c) => scope === "all" || c.name === scope).flatMap((c) => c.nodes.map((n) => n.name)),
      lb: () => this.lb,
      datastore: () => this.need(this.datastore, "datastore"),
      proxies: () => this.proxies,
      startExtraNode: async (cluster) => this.need(cluster === "blue" ? this.blue : this.green, `${cluster} cluster`).addNode(),
      now: () => this.rec.now(),
      started: (node, faultId) => this.watchReadiness(node, this.blue?.nodes.includes(node) ? "blue" : "green", faultId),
      lost: async (name) => {
        if (this.lb?.nodes().some((n) => n.name === name)) await this.lb.removeNode(name);
        for (const c of clusters()) {
          const i = c.nodes.findIndex((n) => n.name === name);
          if (i >= 0) c.nodes.splice(i, 1);
        }
      },
    };
  }
}
