// The blue/green procedure with one migration command killed at a chosen point and re-run: just
// before the faulted command (and again before `finish`), a copy of the shared Postgres database
// gets the clean command (the reference); the faulted command runs on the shared one, is re-run
// until it completes (an aborted run is always followed by `list`), and after `finish` both commands
// run once more. The check `migration-recovery` judges it all from the history.
import { F, MIGRATION_CHAOS_CHECKS, type DatastoreState, type RecoveryRun } from "../checks/index.ts";
import { CleanRunError, datastoreState, MigrationChaos, NOT_LEADER_LINE, outcomeLine, type FaultedRun, type MigrationFault } from "../chaos/migration-faults.ts";
import { postgresTwin } from "../chaos/migration-datastore.ts";
import type { ImageKind } from "./standin-only-options.ts";
import { ScenarioStepError } from "./scenario-base.ts";
import type { RunOptions } from "./run-options.ts";
import { UpgradeScenario } from "./upgrade-scenario.ts";

/** `--lock-timeout` of the faulted command: how long the lock it leaves behind lives. */
const FAULT_LOCK_TIMEOUT_S = 5;

export class MigrationChaosScenario extends UpgradeScenario {
  private faulted?: FaultedRun;
  private recovery?: { reruns: RecoveryRun[]; recovered: DatastoreState; reference: DatastoreState };

  constructor(name: string, options: RunOptions, readonly fault: MigrationFault) {
    super(name, options, MIGRATION_CHAOS_CHECKS);
    if (options.datastore !== "postgres") throw new ScenarioStepError("migration chaos needs a Postgres datastore: its clean reference run is made on a copy of the database");
  }

  /** The fault itself is checked with the images, before anything starts: `crash` is a stand-in switch (migration-crash). */
  protected override standinOnlyProblems(oldImage: ImageKind, newImage: ImageKind): string[] {
    const fault = MigrationChaos.validate(this.fault, newImage.standin).map((p) => `${p} (new image: ${newImage.ref}${newImage.standin ? "" : ", real Kong"})`);
    return [...super.standinOnlyProblems(oldImage, newImage), ...fault];
  }

  private chaos(): MigrationChaos {
    const newImage = this.need(this.newImage, "new image");
    return new MigrationChaos({
      migrations: this.migrations(newImage, "green"), datastore: this.need(this.datastore, "datastore"), standin: newImage.standin,
      history: this.rec.history, lockTimeoutS: FAULT_LOCK_TIMEOUT_S,
    });
  }

  /**
   * The clean run of one command on a copy of the shared database as it is right now. Taken just
   * before the real command, so Admin writes made earlier in the run are in both.
   */
  private async referenceRun(command: "up" | "finish"): Promise<DatastoreState> {
    const twin = await postgresTwin(this.need(this.datastore, "datastore"), `reference_${command}_${Date.now().toString(36)}`);
    try {
      const r = await this.migrations(this.need(this.newImage, "new image"), "green", twin).run(command);
      if (r.exitCode !== 0 || r.stdout.includes(NOT_LEADER_LINE)) throw new CleanRunError(`the clean run's \`${command}\` on a copy exited ${r.exitCode}: ${outcomeLine(r)}`);
      const state = await datastoreState(twin);
      this.rec.history.event("datastore", F.dataFingerprint, { label: `reference-after-${command}`, fingerprint: state.fingerprint });
      return state;
    } finally {
      await twin.drop();
    }
  }

  /** Kills one command at the fault's point, re-runs it until it completes, and keeps what it left. */
  private async faultAndRerun(reference?: DatastoreState): Promise<void> {
    const { command } = this.fault;
    reference ??= await this.referenceRun(command);
    const chaos = this.chaos();
    this.faulted = await chaos.runMigrationWithFault(this.fault);
    const reruns = await chaos.rerun(command);
    const recovered = await datastoreState(this.need(this.datastore, "datastore"));
    // schema_meta as the re-runs left it, so schema-meta-consistent pairs the next `list` with it.
    this.rec.history.event("datastore", F.schemaMeta, { label: `recovered-after-${command}`, rows: recovered.schemaMeta });
    this.rec.history.event("datastore", F.dataFingerprint, { label: `recovered-after-${command}`, fingerprint: recovered.fingerprint });
    this.recovery = { reruns, recovered, reference };
  }

  override async migrationsUp(): Promise<void> {
    await this.rec.phase("MigrationsUp", async () => {
      if (this.fault.command === "up") await this.faultAndRerun();
      // The procedure's own `up` follows: after a recovered `up` it must say the database is up to date.
      await this.migrationsUpSteps();
      await this.oldNodesReadAfresh();
    });
  }

  override async migrationsFinish(): Promise<void> {
    await this.rec.phase("MigrationsFinish", async () => {
      await this.guardFinish();
      // The old nodes are gone and the new cluster takes no Admin writes yet: nothing changes the data from here but finish.
      const referenceFinal = await this.referenceRun("finish");
      if (this.fault.command === "finish") await this.faultAndRerun(referenceFinal);
      await this.migrationsFinishSteps();
      // Both commands once more, then the migration-recovery op with everything the check needs.
      await this.chaos().verifyNoop(this.need(this.faulted, "faulted migration"), this.need(this.recovery, "recovery"), referenceFinal);
    });
  }
}
