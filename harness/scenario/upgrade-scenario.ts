// The blue/green upgrade procedure (Kong's "Upgrade from 1.0.x - 2.5.x to 2.6.x", Postgres), one
// method per step, so a scenario file reads like the procedure. Every step records into the run's
// history; the checks judge it afterwards and the report is always written.
import { F } from "../checks/index.ts";
import { interruptSignal } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import { readAndRepatch, readEntities, repatchAll, SEEDED_COLLECTIONS, USER_CONFIG_COLLECTIONS } from "./entity-state.ts";
import { ScenarioSteps } from "./shared-steps.ts";

export { ScenarioStepError, startDatastore } from "./scenario-base.ts";

/** Admin write cycles on the old cluster before `up` (one every 500 ms): its own propagation lag between old nodes. */
const BASELINE_WRITE_CYCLES = 4;

export class UpgradeScenario extends ScenarioSteps {
  private shiftWorkload?: AdminWorkload;
  /** The Admin writes made on the old cluster before `up`, watched on every old node. */
  private baselineWorkload?: AdminWorkload;
  /** "consumers/<id>", … of every entity the old cluster showed before `up`. */
  private seededEntities: readonly string[] = [];

  // 1. Shared datastore up; old cluster bootstrapped, started, seeded; baseline recorded.
  async setUp(): Promise<void> {
    await this.setUpOldCluster({ snapshot: true, afterBaseline: () => this.recordSeededEntities() });
  }

  /**
   * Every seeded entity as the old cluster's Admin API shows it before `up`, with the old version's
   * own answer to a PATCH of that unchanged body (old-data-after-finish compares both after finish).
   */
  private async recordSeededEntities(): Promise<void> {
    const blue = this.need(this.blue, "blue cluster");
    const admin = blue.admin();
    try {
      const collections = this.runSeed.userEntities ? USER_CONFIG_COLLECTIONS : SEEDED_COLLECTIONS;
      const readOnly = this.userEntitiesReadOnly;
      const patches = readOnly ? {} : await repatchAll(admin, await readEntities(admin, collections));
      const entities = await readEntities(admin, collections);
      this.seededEntities = Object.keys(entities);
      this.rec.history.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: admin.node, entities, patches, ...(readOnly ? { readOnly } : {}) }, { node: admin.node });
    } finally {
      await admin.close();
    }
  }

  // 2. Load through the load balancer, from now until the end of the run: startLoad(). Meanwhile
  //    Admin writes through the old nodes, watched on every old node: the old version's own lag
  //    between its nodes on this machine, which admin-writes-propagated adds to Kong's documented delay.
  protected override async measureOldClusterUnderLoad(): Promise<void> {
    const blue = this.need(this.blue, "blue cluster");
    if (blue.nodes.length < 2) return;
    const workload = (this.baselineWorkload = new AdminWorkload({
      ...this.workloadOptions(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue",
      nodes: () => this.watchedNodes().filter((n) => n.cluster === "blue"), intervalMs: 500,
    }));
    workload.start();
    await workload.cycles(BASELINE_WRITE_CYCLES, 20_000, interruptSignal());
    await workload.stop(interruptSignal().aborted);
  }

  // 3. `kong migrations up` with the new image, while the old cluster serves; then old nodes read
  //    the datastore afresh (a cold one, and a running one made to rebuild).
  async migrationsUp(): Promise<void> {
    await this.rec.phase("MigrationsUp", async () => {
      await this.migrationsUpSteps();
      await this.oldNodesReadAfresh();
    });
  }

  // 4. New nodes start beside the old ones, given traffic as `--readiness` says (their baseline gate judged either way).
  async startGreen(): Promise<void> {
    await this.rec.phase("GreenStart", async () => {
      const newImage = this.need(this.newImage, "new image");
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green").run("list"));
      this.green = await this.startCluster("green", newImage, this.options.newNodes,
        () => ({ allowed: this.finished, reason: "the procedure allows Admin API writes on the new cluster only after `kong migrations finish`" }));
      for (const node of this.green.nodes) await this.admitNewNode(node, () => this.sampleParityWith(node));
    });
  }

  // 5. Weights shift old -> new in steps; Admin writes go to the old cluster only, watched everywhere.
  async shift(): Promise<void> {
    await this.rec.phase("Shift", async () => {
      const blue = this.need(this.blue, "blue cluster");
      const workload = (this.shiftWorkload = new AdminWorkload({
        ...this.workloadOptions(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue", nodes: () => this.watchedNodes(), intervalMs: 1_500,
        ...(this.baselineWorkload ? { firstCycle: this.baselineWorkload.nextCycle, writesBefore: this.baselineWorkload.writesNumbered } : {}),
      }));
      // The entities written before `up` are judged after finish with the others.
      for (const [entity, state] of this.baselineWorkload?.finalStates ?? []) workload.finalStates.set(entity, state);
      workload.start();
      try {
        await this.shiftSteps();
      } finally {
        await workload.stop(interruptSignal().aborted);
        await this.settleGates();
      }
    });
  }

  // 6. Old nodes drained and stopped; no in-flight request may fail.
  async retireBlue(): Promise<void> {
    await this.rec.phase("Drain", () => this.retireOldCluster());
  }

  // 7. `kong migrations finish` with the new image; `list` then reports up to date.
  async migrationsFinish(): Promise<void> {
    await this.rec.phase("MigrationsFinish", async () => {
      await this.guardFinish();
      await this.migrationsFinishSteps();
    });
  }

  // 8. The new cluster serves everything; Admin writes on it now work and reach its other nodes.
  async verifyAfterFinish(): Promise<void> {
    await this.rec.phase("AfterFinish", async () => {
      await this.verifyAfterFinishSteps(this.shiftWorkload);
      await this.verifySeededEntities();
    });
  }

  /** Each entity read before `up`, read again on a new node and PATCHed with the body it came back with. */
  private async verifySeededEntities(): Promise<void> {
    const green = this.need(this.green, "green cluster");
    const admin = green.admin(green.nodes[0]);
    try {
      for (const entity of this.seededEntities) this.rec.history.event("verifier", F.entityAfterFinish, await readAndRepatch(admin, entity, this.userEntitiesReadOnly), { node: admin.node });
    } finally {
      await admin.close();
    }
  }

  /** The user's entities are read, never written, unless `--patch-user-entities`. */
  private get userEntitiesReadOnly(): boolean { return this.runSeed.userEntities && this.options.patchUserEntities !== true; }

  // 9. An old node against the finished datastore: the procedure says it cannot start.
  async startOldNodeAfterFinish(): Promise<void> {
    await this.rec.phase("OldNodeAfterFinish", () => this.oldNodeAfterFinishSteps());
  }
}
