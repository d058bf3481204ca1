// Migrations under faults: `kong migrations up` or `finish` killed at a chosen point, then re-run
// the way an operator would, and the datastore compared with a clean run's (schema_meta and data
// fingerprint); then `up` and `finish` run again must change nothing. Kong's lock makes the re-run
// subtle: a killed command leaves its `locks` row for its `--lock-timeout`, so an immediate `up`
// waits and then prints "aborted" without migrating, and `finish` (no wait) prints it at once.
// An aborted run is therefore always followed by `list`, never trusted.
import { F, type ConcurrentUpsValue, type DatastoreState, type FaultValue, type History, type MigrationRecoveryValue, type RecoveryRun } from "../checks/index.ts";
import { dataFingerprint } from "../datastore/fingerprint.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError, InvalidConfigError } from "../errors.ts";
import type { KongMigrations, MigrationRunOptions, MigrationRunResult, RunningMigration } from "../kong/migrations.ts";
import type { OneShotResult } from "../runtime/one-shot.ts";
import { pauseDatastore } from "./migration-datastore.ts";

export type MigrationFaultKind = "crash" | "sigkill" | "client-timeout";
export type MigrationKillPoint = "before-record" | "halfway";

export interface MigrationFault {
  readonly command: "up" | "finish";
  /** crash: the stand-in dies at the point (switch `migration-crash`); sigkill: the container is SIGKILLed; client-timeout: the datastore stops answering and `--db-timeout` fires. */
  readonly kind: MigrationFaultKind;
  readonly point: MigrationKillPoint;
}

export const NOT_LEADER_LINE = "aborted: another node is performing database changes";
/** Kong's error when `up` waited `--lock-timeout` for another node's lock. */
const LOCK_TIMEOUT_LINE = /^Error: \[(PostgreSQL|Cassandra) error\] timeout$/;
/** The first `<subsystem> migrated up to: …` line: one migration of the run is committed and recorded. */
const HALFWAY = /migrated up to: /;

export interface MigrationChaosOptions {
  /** The new image's migration runner. */
  readonly migrations: KongMigrations;
  readonly datastore: StartedDatastore;
  /** Stand-in images take switches (`migration-crash`, `migration-slow`); real Kong only real faults. */
  readonly standin: boolean;
  readonly history?: History;
  /** `--lock-timeout` of every run here (s): the faulted run's lock outlives it this long. Default 3. */
  readonly lockTimeoutS?: number;
  /** `--db-timeout` of a client-timeout run (s). Default 4. */
  readonly dbTimeoutS?: number;
  /** Attempts at re-running the killed command (each after the lock it left may have expired). Default 5. */
  readonly maxReruns?: number;
}

/** The reference run itself failed: nothing can be compared with it. */
export class CleanRunError extends HarnessError {
  override name = "CleanRunError";
  override readonly code = "KH_ERR_CLEAN_RUN";
}

/** A fault that did not change the command's course (it exited 0): nothing was tested. */
export class FaultMissedError extends HarnessError {
  override name = "FaultMissedError";
  override readonly code = "KH_ERR_FAULT_MISSED";
}

export interface FaultedRun {
  readonly fault: MigrationFault;
  readonly result: MigrationRunResult;
}

/** What a run said, in one line: the aborted line, its error, its only line, or its last one. */
export function outcomeLine(r: Pick<OneShotResult, "stdout" | "stderr">): string {
  const out = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  if (out.includes(NOT_LEADER_LINE)) return NOT_LEADER_LINE;
  const err = r.stderr.split("\n").find((l) => l.startsWith("Error:"));
  if (err) return err.trim();
  if (out.length <= 1) return out[0] ?? "(no output)";
  return `${out.length} lines, last: ${out[out.length - 1]}`;
}

const recoveryRun = (command: RecoveryRun["command"], r: OneShotResult): RecoveryRun =>
  ({ command, exitCode: r.exitCode, line: outcomeLine(r), aborted: r.stdout.includes(NOT_LEADER_LINE) });

/** schema_meta and the data fingerprint, read directly. */
export async function datastoreState(ds: StartedDatastore): Promise<DatastoreState> {
  return { schemaMeta: (await ds.schemaMeta()) ?? [], fingerprint: await dataFingerprint(ds) };
}

/** A clean run on a datastore seeded the same way: the states after `up` and after `finish`. */
export async function cleanRun(migrations: KongMigrations, ds: StartedDatastore): Promise<{ afterUp: DatastoreState; afterFinish: DatastoreState }> {
  const step = async (cmd: "up" | "finish"): Promise<DatastoreState> => {
    const r = await migrations.run(cmd);
    if (r.exitCode !== 0 || r.stdout.includes(NOT_LEADER_LINE)) throw new CleanRunError(`the clean run's \`${cmd}\` exited ${r.exitCode}: ${outcomeLine(r)}`);
    return datastoreState(ds);
  };
  const afterUp = await step("up");
  return { afterUp, afterFinish: await step("finish") };
}

export class MigrationChaos {
  private readonly lockTimeoutS: number;
  private faultCount = 0;
  /** Set while a paused datastore is still to be resumed. */
  private resumed?: Promise<void>;

  constructor(private readonly o: MigrationChaosOptions) {
    this.lockTimeoutS = o.lockTimeoutS ?? 3;
  }

  /** Every problem with a fault, in words (a kind the image cannot do, a point the kind cannot hit). */
  static validate(fault: MigrationFault, standin: boolean): string[] {
    const out: string[] = [];
    if (fault.kind === "crash" && !standin) out.push("a `crash` fault needs a stand-in image (switch migration-crash); with real Kong use `sigkill` or `client-timeout`");
    if (fault.kind !== "crash" && fault.point !== "halfway") out.push(`a \`${fault.kind}\` fault lands after the first migration of the run is recorded (point halfway); \`${fault.point}\` is not observable from outside Kong`);
    return out;
  }

  /** Runs `up` or `finish` with the fault; resolves with what the killed command left (exit 137, or 1 on timeout). */
  async runMigrationWithFault(fault: MigrationFault): Promise<FaultedRun> {
    const problems = MigrationChaos.validate(fault, this.o.standin);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    const id = `migration-${fault.command}-${fault.kind}-${++this.faultCount}`;
    const inv = this.o.history?.invoke<FaultValue>(`nemesis:${id}`, F.fault, {
      id, kind: `migration-${fault.kind}`, target: `kong migrations ${fault.command}`, nodes: [], at: `point ${fault.point}`,
      params: { point: fault.point, lockTimeoutS: this.lockTimeoutS, ...(fault.kind === "client-timeout" ? { dbTimeoutS: this.o.dbTimeoutS ?? 4 } : {}) },
      expect: { kind: "zero-failures" },
    });
    try {
      const result = await this.o.migrations.run(fault.command, [], this.faultOptions(fault));
      await this.resumed;
      this.resumed = undefined;
      const outcome = `exited ${result.exitCode}: ${outcomeLine(result)}${result.triggeredAfterMs !== undefined ? ` (fault fired ${result.triggeredAfterMs}ms after start)` : ""}`;
      // A real fault that fired too late (or never) did nothing: the run says so rather than pass.
      if (result.exitCode === 0) throw new FaultMissedError(`the ${fault.kind} fault on \`kong migrations ${fault.command}\` did not land: the command ${outcome}`);
      if (inv) this.o.history!.ok(inv, { ...inv.value, outcome });
      return { fault, result };
    } catch (err) {
      if (inv) this.o.history!.complete(inv, "fail", { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  private faultOptions(fault: MigrationFault): MigrationRunOptions {
    const base = { lockTimeoutS: this.lockTimeoutS };
    // On a stand-in, each migration takes a while, so a fault fired after the first one lands inside the next.
    const slow = (ms: number): string | undefined => (this.o.standin ? `migration-slow@for=${ms}` : undefined);
    if (fault.kind === "crash") return { ...base, faults: `migration-crash@point=${fault.point}` };
    if (fault.kind === "sigkill") return { ...base, faults: slow(3_000), trigger: { when: HALFWAY, action: (r: RunningMigration) => r.kill() } };
    const dbTimeoutS = this.o.dbTimeoutS ?? 4;
    return {
      // Shorter than --db-timeout: what times out is the datastore not answering, not the migration.
      ...base, dbTimeoutS, faults: slow(dbTimeoutS * 1000 - 500),
      // The datastore comes back a little after the command's own timeout, as after a failover.
      trigger: { when: HALFWAY, action: async () => { this.resumed = (await pauseDatastore(this.o.datastore, dbTimeoutS * 1000 + 3_000)).resumed; } },
    };
  }

  /**
   * Re-runs the killed command until it completes: an aborted run (the killed run's lock still
   * there) or a lock timeout is followed by `list`, then a new attempt once the lock expired.
   */
  async rerun(command: "up" | "finish"): Promise<RecoveryRun[]> {
    const runs: RecoveryRun[] = [];
    for (let attempt = 1; attempt <= (this.o.maxReruns ?? 5); attempt++) {
      const r = recoveryRun(command, await this.o.migrations.run(command, [], { lockTimeoutS: this.lockTimeoutS }));
      runs.push(r);
      if (r.exitCode === 0 && !r.aborted) return runs;
      // Only the lock is worth waiting for; any other failure would fail the same way again.
      if (r.exitCode !== 0 && !LOCK_TIMEOUT_LINE.test(r.line)) return runs;
      const list = await this.o.migrations.run("list");
      runs.push(recoveryRun("list", list));
      const done = command === "up" ? list.exitCode === 0 || (list.exitCode === 4 && !list.stdout.includes("New migrations available")) : list.exitCode === 0;
      if (done) return runs;
      await new Promise((res) => setTimeout(res, Math.min(this.lockTimeoutS * 1000, 5_000)));
    }
    return runs;
  }

  /** `up` and `finish` once more: each must be a no-op. */
  async noop(): Promise<RecoveryRun[]> {
    return [recoveryRun("up", await this.o.migrations.run("up")), recoveryRun("finish", await this.o.migrations.run("finish"))];
  }

  /**
   * After a faulted run: re-run it, compare with the clean run (`reference`), complete the procedure
   * (`finish` after a killed `up`), run both again; recorded as one `migration-recovery` op.
   */
  async recoverAndVerify(faulted: FaultedRun, reference: { afterUp: DatastoreState; afterFinish: DatastoreState }): Promise<MigrationRecoveryValue> {
    const { command } = faulted.fault;
    const reruns = await this.rerun(command);
    const recovered = await datastoreState(this.o.datastore);
    this.recordFingerprint(`recovered-after-${command}`, recovered);
    if (command === "up") reruns.push(...await this.rerun("finish"));
    const value = await this.verifyNoop(faulted, { reruns, recovered, reference: command === "up" ? reference.afterUp : reference.afterFinish }, reference.afterFinish);
    return value;
  }

  /** The last part of a recovery, once the procedure is complete (a scenario calls it after its own finish). */
  async verifyNoop(faulted: FaultedRun, r: { reruns: RecoveryRun[]; recovered: DatastoreState; reference: DatastoreState }, referenceFinal: DatastoreState): Promise<MigrationRecoveryValue> {
    const inv = this.o.history?.invoke("migration-recovery", F.migrationRecovery, { fault: faulted.fault });
    const beforeNoop = await datastoreState(this.o.datastore);
    const noop = await this.noop();
    const afterNoop = await datastoreState(this.o.datastore);
    this.recordFingerprint("after-noop", afterNoop);
    const value: MigrationRecoveryValue = {
      fault: { ...faulted.fault, exitCode: faulted.result.exitCode, line: outcomeLine(faulted.result) },
      reruns: r.reruns, reference: r.reference, recovered: r.recovered, noop, beforeNoop, afterNoop, referenceFinal,
    };
    if (inv) this.o.history!.ok(inv, value);
    return value;
  }

  private recordFingerprint(label: string, s: DatastoreState): void {
    this.o.history?.event("datastore", F.dataFingerprint, { label, fingerprint: s.fingerprint });
  }
}

/** Several `up` runs at once, then `list` and the datastore's state: the aborted ones are judged by the state, never by their own word. */
export async function concurrentUps(migrations: KongMigrations, ds: StartedDatastore, n: number, o: MigrationRunOptions = {}): Promise<ConcurrentUpsValue> {
  const results = await Promise.all(Array.from({ length: n }, () => migrations.run("up", [], o)));
  const list = await migrations.run("list");
  return {
    runs: results.map((r) => ({ ...recoveryRun("up", r), migrated: /^\d+ migrations? processed$/m.test(r.stdout) })),
    list: recoveryRun("list", list), listExitCode: list.exitCode, state: await datastoreState(ds),
  };
}
