// A fresh install (the seed: "Installing 2.6.x on a fresh datastore"): `kong migrations bootstrap`,
// then start, on Postgres or Cassandra; the new cluster is seeded, must answer like the baseline,
// serve load with zero failures and propagate Admin writes between its nodes. `bootstrap: false`
// is the procedure's mistake on purpose: nodes are started on the empty datastore.
import { FRESH_INSTALL_CHECKS, F, type CheckExpectations, type NodeStartValue } from "../checks/index.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { interruptSignal } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import type { RunOptions } from "./run-options.ts";
import { ScenarioStepError } from "./scenario-base.ts";
import { ScenarioSteps } from "./shared-steps.ts";

export interface FreshInstallOptions {
  /** Run `kong migrations bootstrap` before starting nodes (false only to prove the check fails). */
  readonly bootstrap: boolean;
}

export class FreshInstallScenario extends ScenarioSteps {
  private readonly fresh: FreshInstallOptions;

  constructor(name: string, options: RunOptions, fresh: Partial<FreshInstallOptions> = {}) {
    super(name, options, FRESH_INSTALL_CHECKS);
    this.fresh = { bootstrap: true, ...fresh };
  }

  /** Only new nodes: there is no old cluster. */
  protected override expectations(): CheckExpectations {
    const e = super.expectations();
    return { ...e, nodes: { blue: [], green: e.nodes.green } };
  }

  // 1. A fresh datastore; `kong migrations list` says it needs bootstrap.
  async setUp(): Promise<void> {
    await this.rec.phase("Setup", async () => {
      await this.startInfrastructure();
      const newImage = this.need(this.newImage, "new image");
      this.migrationExpectations.push({ f: F.migrationsList, phase: "Setup", image: newImage.ref, exitCodes: [3] });
      this.rec.expect(this.expectations());
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green").run("list"));
    });
  }

  // 2. `kong migrations bootstrap` with the new image; `list` then says up to date.
  async bootstrapDatastore(): Promise<void> {
    await this.rec.phase("Bootstrap", async () => {
      if (!this.fresh.bootstrap) return;
      const newImage = this.need(this.newImage, "new image");
      await this.bootstrap(newImage, "green");
      this.migrationExpectations.push({ f: F.migrationsList, phase: "Bootstrap", image: newImage.ref, exitCodes: [0] });
      this.rec.expect(this.expectations());
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green").run("list"));
      await this.snapshot("after-bootstrap");
    });
  }

  // 3. Nodes started one by one (each start recorded: did it come up or refuse?).
  async startNodes(): Promise<void> {
    await this.rec.phase("GreenStart", async () => {
      const newImage = this.need(this.newImage, "new image");
      const green = (this.green = await this.startCluster("green", newImage, 0));
      for (let i = 0; i < this.options.newNodes; i++) {
        const node = green.nextNodeName();
        const inv = this.rec.history.invoke("harness", F.nodeStart, { node, cluster: "green", image: newImage.ref, started: false, exitCode: null }, { node });
        try {
          await green.addNode();
          this.rec.history.ok<NodeStartValue>(inv, { node, cluster: "green", image: newImage.ref, started: true, exitCode: null });
        } catch (err) {
          if (!(err instanceof KongNodeExitedError)) { this.rec.history.info(inv, err instanceof Error ? err.message : String(err)); throw err; }
          const logs = `${err.stdout}\n${err.stderr}`.trim().slice(-4000);
          this.rec.history.ok<NodeStartValue>(inv, { node, cluster: "green", image: newImage.ref, started: false, exitCode: err.exitCode, logs });
          throw new ScenarioStepError(`node "${node}" (${newImage.ref}) refused to start (exit ${err.exitCode})${this.fresh.bootstrap ? "" : " on a datastore that was not bootstrapped"}`);
        }
      }
    });
  }

  // 4. Seeded through the Admin API; every node answers like the baseline before it gets traffic.
  async seedAndVerify(): Promise<void> {
    await this.rec.phase("Baseline", async () => {
      const green = this.need(this.green, "green cluster");
      await this.seed(green);
      for (const node of green.nodes) await this.awaitBaseline(node, "green", true);
    });
  }

  // 5. Load through the load balancer while Admin writes on one node must reach the others.
  async serveUnderLoad(): Promise<void> {
    const green = this.need(this.green, "green cluster");
    await this.startLoadOn(green);
    await this.rec.phase("Serving", async () => {
      const workload = new AdminWorkload({
        ...this.workloadOptions(), writers: [green.admin(green.nodes[0])], cluster: "green", nodes: () => this.watchedNodes(), intervalMs: 500,
      });
      workload.start();
      await new Promise((r) => setTimeout(r, Math.max(2_000, this.options.holdMs)));
      await workload.stop(interruptSignal().aborted);
    });
  }
}
