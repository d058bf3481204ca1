// Cassandra in place (the seed: "Migrating using the usual commands `kong migrations up` and `kong
// migrations finish` will require a small window of downtime"): `up` while the old cluster serves
// and takes Admin writes, then the cut-over (old nodes drained and stopped, `finish`, new nodes
// started), under load all along. The downtime-window check measures the window against a budget.
import { CASSANDRA_IN_PLACE_CHECKS, type CheckExpectations } from "../checks/index.ts";
import { InvalidConfigError } from "../errors.ts";
import { interruptSignal } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import type { RunOptions } from "./run-options.ts";
import { ScenarioSteps } from "./shared-steps.ts";

export interface CassandraInPlaceOptions {
  /** Longest accepted window from the first to the last failed request, ms. */
  readonly downtimeBudgetMs: number;
}

export const IN_PLACE_DEFAULTS: CassandraInPlaceOptions = { downtimeBudgetMs: 60_000 };

export class CassandraInPlaceScenario extends ScenarioSteps {
  private readonly inPlace: CassandraInPlaceOptions;
  private beforeWindow?: AdminWorkload;

  constructor(name: string, options: RunOptions, inPlace: Partial<CassandraInPlaceOptions> = {}) {
    super(name, options, CASSANDRA_IN_PLACE_CHECKS);
    this.inPlace = { ...IN_PLACE_DEFAULTS, ...inPlace, ...(options.downtimeBudgetMs !== undefined ? { downtimeBudgetMs: options.downtimeBudgetMs } : {}) };
    const problems = [
      ...(options.datastore === "cassandra" ? [] : [`the in-place Cassandra procedure needs datastore cassandra, but it is ${options.datastore}`]),
      ...(this.inPlace.downtimeBudgetMs > 0 ? [] : [`the downtime budget must be positive, but is ${this.inPlace.downtimeBudgetMs}`]),
    ];
    if (problems.length) throw new InvalidConfigError(problems);
  }

  protected override expectations(): CheckExpectations {
    return { ...super.expectations(), downtimeBudgetMs: this.inPlace.downtimeBudgetMs, downtimePhase: "Cutover" };
  }

  /** The new image's `list` runs next only after `finish`, in the cut-over. */
  protected override get afterUpPhase(): undefined { return undefined; }

  // 1. Keyspace bootstrapped with the old image; old cluster started, seeded; baseline recorded.
  async setUp(): Promise<void> {
    await this.setUpOldCluster({ snapshot: true });
  }

  // 2. Load through the load balancer (old cluster) from now until the end of the run: startLoad().

  // 3. `kong migrations up` with the new image while the old cluster serves and takes Admin writes.
  async migrationsUp(): Promise<void> {
    await this.rec.phase("MigrationsUp", async () => {
      const blue = this.need(this.blue, "blue cluster");
      const workload = (this.beforeWindow = new AdminWorkload({
        ...this.workloadOptions(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue",
        nodes: () => this.watchedNodes().filter((n) => n.cluster === "blue"), intervalMs: 500,
      }));
      workload.start();
      try {
        await this.migrationsUpSteps();
      } finally {
        await workload.stop(interruptSignal().aborted);
      }
    });
  }

  // 4. The downtime window: old nodes drained and stopped, `finish`, new nodes started and ready.
  async cutover(): Promise<void> {
    await this.rec.phase("Cutover", async () => {
      const lb = this.need(this.lb, "load balancer");
      const blue = this.need(this.blue, "blue cluster");
      // Traffic goes to the new cluster, which has no node yet: from here the service is down.
      lb.promote();
      await lb.setWeights({ blue: 0, green: 100 });
      await lb.drain("blue", { timeoutMs: 30_000 });
      for (const node of [...blue.nodes]) {
        await lb.removeNode(node.name);
        await blue.removeNode(node, true);
      }
      await this.migrationsFinishSteps("Cutover");
      const newImage = this.need(this.newImage, "new image");
      this.green = await this.startCluster("green", newImage, this.options.newNodes,
        () => ({ allowed: this.finished, reason: "the procedure allows Admin API writes on the new cluster only after `kong migrations finish`" }));
      // With `--readiness status` a node that says ready before it serves lengthens the window.
      for (const node of this.green.nodes) await this.admitNewNode(node);
      await this.settleGates();
    });
  }

  // 5. The new cluster serves everything written before the window; Admin writes on it propagate.
  async verifyAfterFinish(): Promise<void> {
    await this.rec.phase("AfterFinish", () => this.verifyAfterFinishSteps(this.beforeWindow));
  }

  // 6. An old node against the finished keyspace: the procedure says it cannot start.
  async startOldNodeAfterFinish(): Promise<void> {
    await this.rec.phase("OldNodeAfterFinish", () => this.oldNodeAfterFinishSteps());
  }
}
