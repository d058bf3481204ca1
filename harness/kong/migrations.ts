// `kong migrations <cmd>` run with a given image against the shared datastore, in a throw-away
// container, as the official image's compose example does. Exit codes of `list` are states.
import type { StartedDatastore } from "../datastore/types.ts";
import { CommandFailedError } from "../errors.ts";
import { runOneShot, type OneShotResult } from "../runtime/one-shot.ts";
import { kongEnvironment, type KongTuning, DEFAULT_TUNING } from "./kong-container.ts";

export type MigrationCommand = "bootstrap" | "up" | "finish" | "list" | "reset";

/** `kong migrations list` exit codes (kong-reference §0.5). */
export const LIST_STATES = { 0: "up-to-date", 3: "needs-bootstrap", 4: "pending", 5: "new-migrations" } as const;
export type MigrationState = (typeof LIST_STATES)[keyof typeof LIST_STATES];

export class KongMigrations {
  constructor(readonly image: string, private readonly datastore: StartedDatastore, private readonly tuning: KongTuning = DEFAULT_TUNING) {}

  run(command: MigrationCommand, flags: readonly string[] = []): Promise<OneShotResult> {
    return runOneShot({
      image: this.image,
      command: ["kong", "migrations", command, ...flags],
      env: kongEnvironment(this.datastore, this.tuning),
      network: this.datastore.network,
      name: `kong-migrations-${command}`,
    });
  }

  /** The state the image's binary sees; exit code 1 (or anything unknown) is an error. */
  async state(): Promise<{ state: MigrationState; result: OneShotResult }> {
    const result = await this.run("list");
    const state = LIST_STATES[result.exitCode as keyof typeof LIST_STATES];
    if (state === undefined) throw new CommandFailedError(result);
    return { state, result };
  }
}
