// `kong migrations <cmd>` run with a given image against the shared datastore, in a throw-away
// container, as the official image's compose example does. Exit codes of `list` are states.
// Every run is bounded by the harness itself (Kong's own `--lock-timeout`/`--db-timeout` bound
// only what Kong waits for), and a run can carry a real fault: an action taken at a moment its
// output names (SIGKILL of the container, the datastore paused).
import { GenericContainer, getContainerRuntimeClient, StartupCheckStrategy, type StartupStatus } from "testcontainers";
import type Dockerode from "dockerode";
import type { StartedDatastore } from "../datastore/types.ts";
import { CommandFailedError, HarnessError } from "../errors.ts";
import { containerOutput } from "../runtime/container-output.ts";
import type { OneShotResult } from "../runtime/one-shot.ts";
import { kongEnvironment, type KongTuning, DEFAULT_TUNING } from "./kong-container.ts";

export type MigrationCommand = "bootstrap" | "up" | "finish" | "list" | "reset";

/** `kong migrations list` exit codes (kong-reference §0.5). */
export const LIST_STATES = { 0: "up-to-date", 3: "needs-bootstrap", 4: "pending", 5: "new-migrations" } as const;
export type MigrationState = (typeof LIST_STATES)[keyof typeof LIST_STATES];

/** Kong's defaults for `--lock-timeout` and `--db-timeout` (seconds, the same from 1.5 to 3.x). */
export const KONG_LOCK_TIMEOUT_S = 60;
export const KONG_DB_TIMEOUT_S = 60;

/** The migration container while it runs, for a fault to act on. */
export interface RunningMigration {
  readonly containerId: string;
  kill(): Promise<void>;
}

export interface MigrationRunOptions {
  /** Stand-in fault switches for this run only, added to the tuning's (KONG_STANDIN_FAULTS). */
  readonly faults?: string;
  /** `--lock-timeout` (seconds); not passed when absent (Kong's default, 60). */
  readonly lockTimeoutS?: number;
  /** `--db-timeout` (seconds); not passed when absent (Kong's default, 60). */
  readonly dbTimeoutS?: number;
  /** The harness's own bound on the whole command; default `defaultBoundMs`. */
  readonly boundMs?: number;
  /** A real fault: `action` runs once, as soon as the command's output matches `when`. */
  readonly trigger?: { readonly when: RegExp; readonly action: (running: RunningMigration) => Promise<void> };
  readonly signal?: AbortSignal;
}

/** A command's result; `triggeredAfterMs`: when its trigger fired, from the command's start. */
export type MigrationRunResult = OneShotResult & { readonly triggeredAfterMs?: number };

/** The longest a migration command may take: Kong's lock wait, two database waits, and two minutes of work. */
export const defaultBoundMs = (o: Pick<MigrationRunOptions, "lockTimeoutS" | "dbTimeoutS"> = {}): number =>
  ((o.lockTimeoutS ?? KONG_LOCK_TIMEOUT_S) + 2 * (o.dbTimeoutS ?? KONG_DB_TIMEOUT_S)) * 1000 + 120_000;

export class MigrationTimeoutError extends HarnessError {
  override name = "MigrationTimeoutError";
  override readonly code = "KH_ERR_MIGRATION_TIMEOUT";
  constructor(readonly command: string, readonly image: string, readonly boundMs: number, lockTimeoutS: number | undefined) {
    super(`\`${command}\` with ${image} did not exit within ${boundMs}ms (--lock-timeout ${lockTimeoutS ?? KONG_LOCK_TIMEOUT_S}s): the container was killed`,
      { hint: "a migration command that never returns is a hang: look at the datastore (locks row, paused, partitioned)" });
  }
}

/** Ready as soon as the container runs or has exited: the harness watches it itself. */
class StartedOrExited extends StartupCheckStrategy {
  override async checkStartupState(client: Dockerode, containerId: string): Promise<StartupStatus> {
    const s = (await client.getContainer(containerId).inspect()).State;
    return s.Running || s.Paused || !s.FinishedAt.startsWith("0001") ? "SUCCESS" : "PENDING";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class KongMigrations {
  constructor(readonly image: string, private readonly datastore: StartedDatastore, private readonly tuning: KongTuning = DEFAULT_TUNING) {}

  /** Runs `kong migrations <command>`; resolves with its exit code and output whatever they are. */
  async run(command: MigrationCommand, flags: readonly string[] = [], o: MigrationRunOptions = {}): Promise<MigrationRunResult> {
    const args = ["kong", "migrations", command, ...flags,
      ...(o.lockTimeoutS !== undefined ? ["--lock-timeout", String(o.lockTimeoutS)] : []), ...(o.dbTimeoutS !== undefined ? ["--db-timeout", String(o.dbTimeoutS)] : [])];
    const faults = [this.tuning.faults, o.faults].filter(Boolean).join(",");
    const env = kongEnvironment(this.datastore, { ...this.tuning, faults: faults || undefined });
    const started = Date.now();
    const container = await new GenericContainer(this.image).withCommand(args).withEnvironment(env).withNetwork(this.datastore.network)
      .withName(`kong-migrations-${command}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
      .withWaitStrategy(new StartedOrExited()).withStartupTimeout(60_000).start();
    const docker = (await getContainerRuntimeClient()).container.dockerode.getContainer(container.getId());
    try {
      const fired = await this.watch(docker, args.join(" "), o);
      const info = await docker.inspect();
      const { stdout, stderr } = await containerOutput(docker);
      return {
        image: this.image, command: args.join(" "), exitCode: info.State.ExitCode, stdout, stderr, durationMs: Date.now() - started,
        ...(fired !== undefined ? { triggeredAfterMs: fired - started } : {}),
      };
    } finally {
      await container.stop({ remove: true, timeout: 0 }).catch(() => undefined);
    }
  }

  /** Waits for the container to exit, within the bound; fires the trigger when its output matches (returns when it did). */
  private async watch(docker: Dockerode.Container, command: string, o: MigrationRunOptions): Promise<number | undefined> {
    const boundMs = o.boundMs ?? defaultBoundMs(o);
    const deadline = Date.now() + boundMs;
    let trigger = o.trigger;
    let fired: number | undefined;
    const running: RunningMigration = { containerId: docker.id, kill: async () => { await docker.kill({ signal: "SIGKILL" }).catch(() => undefined); } };
    for (;;) {
      const s = (await docker.inspect()).State;
      if (!s.Running && !s.Paused) return fired;
      if (Date.now() > deadline || o.signal?.aborted) {
        await running.kill();
        throw new MigrationTimeoutError(command, this.image, boundMs, o.lockTimeoutS);
      }
      if (trigger) {
        const out = await containerOutput(docker);
        if (trigger.when.test(`${out.stdout}${out.stderr}`)) {
          const { action } = trigger;
          trigger = undefined;
          fired = Date.now();
          await action(running);
        }
      }
      await sleep(trigger ? 20 : 100);
    }
  }

  /** The state the image's binary sees; exit code 1 (or anything unknown) is an error. */
  async state(o: MigrationRunOptions = {}): Promise<{ state: MigrationState; result: OneShotResult }> {
    const result = await this.run("list", [], o);
    const state = LIST_STATES[result.exitCode as keyof typeof LIST_STATES];
    if (state === undefined) throw new CommandFailedError(result);
    return { state, result };
  }
}
