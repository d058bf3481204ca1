// Cassandra on a new keyspace (the seed's no-downtime path for 2.1.x-or-lower -> 2.6.x): the new
// cluster is bootstrapped on a new keyspace, `kong config db_export` runs with the old image, the
// file is carried to `kong config db_import` with the new image, and traffic shifts old -> new.
// Admin writes on the old cluster after the export are frozen until the cut-over (default), or let
// through, recorded and re-applied on the new keyspace at the cut-over ("drift", `--drift-mode
// record`); each old node's Admin access log is read before it stops, so the keyspace-drift check
// also sees writes the harness did not make.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { F, NEW_KEYSPACE_CHECKS, type CheckExpectations } from "../checks/index.ts";
import { StartedCassandraDatastore } from "../datastore/cassandra.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { InvalidConfigError } from "../errors.ts";
import { readAdminAccessLog } from "../kong/admin-access-log.ts";
import type { StartedKongCluster } from "../kong/cluster.ts";
import { kongEnvironment, type StartedKongContainer } from "../kong/kong-container.ts";
import { runOneShot } from "../runtime/one-shot.ts";
import { interruptSignal } from "./active-run.ts";
import { AdminWorkload } from "./admin-workload.ts";
import type { RunOptions } from "./run-options.ts";
import { ScenarioStepError } from "./scenario-base.ts";
import { ScenarioSteps } from "./shared-steps.ts";

export interface NewKeyspaceOptions {
  /**
   * "freeze": the harness refuses Admin writes from the export to the cut-over; "drift" (`--drift-mode
   * record`): it lets them through, records each accepted one and re-applies it on the new keyspace at the cut-over.
   */
  readonly adminWritesAfterExport: "freeze" | "drift";
  /** Keyspace of the new cluster; default `<old keyspace>_new`. */
  readonly newKeyspace?: string;
  /** How long the Admin writer runs before the export, ms. */
  readonly writesBeforeExportMs: number;
}

export const NEW_KEYSPACE_DEFAULTS: NewKeyspaceOptions = { adminWritesAfterExport: "freeze", writesBeforeExportMs: 2_000 };
const DECLARATIVE = "/tmp/kong.yml";

export class NewKeyspaceScenario extends ScenarioSteps {
  private readonly nk: NewKeyspaceOptions;
  private newDatastore?: StartedCassandraDatastore;
  private frozen = false;
  private exported?: string;
  private beforeExport?: AdminWorkload;
  private afterExport?: AdminWorkload;
  /** When the last recorded write was re-applied on the new keyspace (run clock). */
  private reappliedAtMs?: number;

  constructor(name: string, options: RunOptions, nk: Partial<NewKeyspaceOptions> = {}) {
    super(name, options, NEW_KEYSPACE_CHECKS);
    this.nk = { ...NEW_KEYSPACE_DEFAULTS, ...nk, ...(options.adminWritesAfterExport ? { adminWritesAfterExport: options.adminWritesAfterExport } : {}) };
    const problems = [
      ...(options.datastore === "cassandra" ? [] : [`the new-keyspace procedure needs datastore cassandra, but it is ${options.datastore}`]),
      ...(["freeze", "drift"].includes(this.nk.adminWritesAfterExport) ? [] : [`adminWritesAfterExport must be freeze or drift, but is ${String(this.nk.adminWritesAfterExport)}`]),
      ...(this.nk.newKeyspace === undefined || /^[a-z][a-z0-9_]{0,47}$/.test(this.nk.newKeyspace) ? [] : [`the new keyspace must be a Cassandra name ([a-z][a-z0-9_]*, at most 48), but is "${this.nk.newKeyspace}"`]),
    ];
    if (problems.length) throw new InvalidConfigError(problems);
  }

  protected override expectations(): CheckExpectations {
    return { ...super.expectations(), adminWritesAfterExport: this.nk.adminWritesAfterExport };
  }

  /** The new keyspace: the cluster that serves after the cut-over runs on it. */
  override datastoreAfterUpgrade(): StartedDatastore | undefined { return this.newDatastore; }

  private workload(firstCycle: number): AdminWorkload {
    const blue = this.need(this.blue, "blue cluster");
    return new AdminWorkload({
      ...this.workloadOptions(), writers: blue.nodes.map((n) => blue.admin(n)), cluster: "blue",
      nodes: () => this.watchedNodes().filter((n) => n.cluster === "blue"), intervalMs: 500, firstCycle,
    });
  }

  // 1. Old keyspace bootstrapped with the old image; old cluster started, seeded, written to; baseline recorded.
  async setUp(): Promise<void> {
    await this.setUpOldCluster({
      snapshot: false,
      check: (ds) => {
        if (!(ds instanceof StartedCassandraDatastore)) throw new ScenarioStepError(`the new-keyspace procedure needs a Cassandra datastore, not ${ds.strategy}`);
      },
      writeGate: () => ({ allowed: !this.frozen, reason: "Admin writes on the old cluster are frozen from `kong config db_export` to the cut-over" }),
      afterBaseline: async () => {
        const w = (this.beforeExport = this.workload(1));
        w.start();
        await new Promise((r) => setTimeout(r, this.nk.writesBeforeExportMs));
        await w.stop(interruptSignal().aborted);
      },
    });
  }

  // 2. Load through the load balancer (old cluster) from now until the end of the run: startLoad().

  // 3. `kong migrations bootstrap` with the new image on the new keyspace.
  async bootstrapNewKeyspace(): Promise<void> {
    await this.rec.phase("Bootstrap", async () => {
      const old = this.need(this.datastore, "datastore") as StartedCassandraDatastore;
      const ds = (this.newDatastore = old.withKeyspace(this.nk.newKeyspace ?? `${old.keyspace}_new`.slice(0, 48)));
      const newImage = this.need(this.newImage, "new image");
      await this.bootstrap(newImage, "green", ds);
      this.migrationExpectations.push({ f: F.migrationsList, phase: "Bootstrap", image: newImage.ref, exitCodes: [0] });
      this.rec.expect(this.expectations());
      await this.rec.migration(F.migrationsList, newImage.ref, [], () => this.migrations(newImage, "green", ds).run("list"));
    });
  }

  // 4. Admin writes frozen (or let through and recorded); `kong config db_export` with the old image.
  async exportConfig(): Promise<void> {
    await this.rec.phase("ConfigExport", async () => {
      if (this.nk.adminWritesAfterExport === "freeze") {
        this.frozen = true;
        this.rec.history.event("harness", F.adminFreeze, { frozen: true, cluster: "blue", reason: "kong config db_export: writes after it would not reach the new keyspace" });
      }
      const oldImage = this.need(this.oldImage, "old image");
      const ds = this.need(this.datastore, "datastore");
      const r = await this.rec.migration(F.configExport, oldImage.ref, ["db_export", DECLARATIVE], () => runOneShot({
        image: oldImage.ref, env: kongEnvironment(ds, this.tuning("blue")), network: ds.network, name: "kong-config-db-export",
        command: ["sh", "-c", `kong config db_export ${DECLARATIVE} 1>&2 && cat ${DECLARATIVE}`],
      }));
      if (r.exitCode !== 0) throw new ScenarioStepError(`\`kong config db_export\` with ${oldImage.ref} exited ${r.exitCode}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
      this.exported = r.stdout;
      writeFileSync(join(this.rec.runDir, "kong.yml"), r.stdout);
      // Writes keep coming, as an operator's would: refused while frozen, recorded and re-applied at the cut-over otherwise.
      (this.afterExport = this.workload((this.beforeExport?.nextCycle ?? 1) + 1)).start();
    });
  }

  // 5. The file carried to the new cluster: `kong config db_import` with the new image on the new keyspace.
  async importConfig(): Promise<void> {
    await this.rec.phase("ConfigImport", async () => {
      const newImage = this.need(this.newImage, "new image");
      const ds = this.need(this.newDatastore, "new keyspace");
      const r = await this.rec.migration(F.configImport, newImage.ref, ["db_import", DECLARATIVE], () => runOneShot({
        image: newImage.ref, env: { ...kongEnvironment(ds, this.tuning("green")), KUH_DECLARATIVE: this.need(this.exported, "exported file") },
        network: ds.network, name: "kong-config-db-import",
        command: ["sh", "-c", `printf '%s' "$KUH_DECLARATIVE" > ${DECLARATIVE} && exec kong config db_import ${DECLARATIVE}`],
      }));
      if (r.exitCode !== 0) throw new ScenarioStepError(`\`kong config db_import\` with ${newImage.ref} exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().split("\n").at(-1) ?? ""}`);
    });
  }

  // 6. New nodes on the new keyspace, given traffic as `--readiness` says (their baseline gate judged either way).
  async startGreen(): Promise<void> {
    await this.rec.phase("GreenStart", async () => {
      this.green = await this.startCluster("green", this.need(this.newImage, "new image"), this.options.newNodes, undefined, this.need(this.newDatastore, "new keyspace"));
      for (const node of this.green.nodes) await this.admitNewNode(node, () => this.sampleParityWith(node));
    });
  }

  // 7. Weights shift old -> new in steps.
  async shift(): Promise<void> {
    await this.rec.phase("Shift", async () => {
      try {
        await this.shiftSteps();
      } finally {
        await this.settleGates();
      }
    });
  }

  // 8. Writes stop; recorded ones re-applied on the new keyspace; the freeze ends with the cut-over;
  //    old nodes drained, each one's Admin access log read before it stops.
  async retireBlue(): Promise<void> {
    await this.rec.phase("Drain", async () => {
      await this.afterExport?.stop(interruptSignal().aborted);
      if (this.nk.adminWritesAfterExport === "drift") await this.reapplyAfterExport();
      if (this.frozen) this.rec.history.event("harness", F.adminFreeze, { frozen: false, cluster: "blue", reason: "cut-over: the old cluster is retired" });
      this.frozen = false;
      await this.retireOldCluster();
    });
  }

  /**
   * Record mode at the cut-over: every write the old cluster accepted after the export, sent again in
   * order to a new node. A create answered 409 or a delete answered 404 was already in the export
   * (the export reads the tables a moment after it starts); the checks then read the entity itself.
   */
  private async reapplyAfterExport(): Promise<void> {
    const green = this.need(this.green, "green cluster");
    const admin = green.admin(green.nodes[0]);
    const h = this.rec.history;
    try {
      for (const w of this.afterExport?.accepted ?? []) {
        const value = { writeId: w.writeId, entity: w.entity, action: w.action, method: w.method, path: w.path };
        const inv = h.invoke("harness", F.adminReapply, value, { node: admin.node });
        try {
          const res = await admin.write(w.method, w.path, w.body);
          const alreadyThere = (w.action === "create" && res.status === 409) || (w.action === "delete" && res.status === 404);
          if (res.status < 400 || alreadyThere) h.ok(inv, { ...value, status: res.status });
          else h.fail(inv, `status ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`, { ...value, status: res.status });
        } catch (err) {
          h.info(inv, err instanceof Error ? err.message : String(err), value);
        }
      }
    } finally {
      await admin.close();
    }
    this.reappliedAtMs = this.rec.now();
  }

  /** An old node leaves: its Admin access log read first (what reached it, from the harness or not), then stopped. */
  protected override async stopRetiredNode(cluster: StartedKongCluster, node: StartedKongContainer): Promise<void> {
    const log = await readAdminAccessLog(node, (epochMs) => epochMs - this.rec.clockOriginEpochMs);
    this.rec.history.event("harness", F.adminAccessLog, { cluster: "blue", nodes: [log] });
    await super.stopRetiredNode(cluster, node);
  }

  // 9. Every exported entity (and every write after the export) checked on every new node.
  async verifyNewCluster(): Promise<void> {
    await this.rec.phase("AfterCutover", async () => {
      const green = this.need(this.green, "green cluster");
      // Re-applied writes reach the other new nodes through the cluster events: give them the documented delay.
      const settleMs = this.reappliedAtMs === undefined ? 0 : this.reappliedAtMs + (this.options.dbUpdateFrequencyS + this.options.dbUpdatePropagationS) * 1000 + 2_000 - this.rec.now();
      if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
      const finalStates = new Map([...(this.beforeExport?.finalStates ?? []), ...(this.afterExport?.finalStates ?? [])]);
      for (const node of green.nodes) await this.verifyFinalState(node, green, { finalStates });
    });
  }
}
