// Errors carry a stable code, the cause, and a hint saying what to try next; the CLI maps them to
// exit codes and prints them on one line.

export class HarnessError extends Error {
  override name = "HarnessError";
  readonly code: string = "KH_ERR";
  readonly hint?: string;
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.hint = options?.hint;
  }
}

/** The environment cannot run the harness: no Docker engine, a missing image, a port in use. */
export class EnvironmentError extends HarnessError {
  override name = "EnvironmentError";
  override readonly code: string = "KH_ERR_ENVIRONMENT";
}

/** The user's input is wrong: a malformed scenario, an unknown option or image. */
export class InvalidConfigError extends HarnessError {
  override name = "InvalidConfigError";
  override readonly code: string = "KH_ERR_INVALID_CONFIG";
  constructor(readonly problems: readonly string[], options?: ErrorOptions & { hint?: string }) {
    super(problems.join("; "), options);
  }
}

export interface ExecResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export class CommandFailedError extends HarnessError {
  override name = "CommandFailedError";
  override readonly code: string = "KH_ERR_COMMAND_FAILED";
  constructor(readonly result: ExecResult, options?: { hint?: string }) {
    super(`Command failed with exit code ${result.exitCode}: ${result.command}` + (result.stderr ? `\n\n${result.stderr.trimEnd()}` : ""), options);
  }
}

/**
 * A step failed for a reason outside the upgrade: the datastore unreachable or refusing the image's
 * login, an image that does not start at all before `up`, a lab component missing. The upgrade was
 * not judged: the run's verdict is "error" (exit 3), never a failed upgrade.
 */
export class OutsideUpgradeError extends HarnessError {
  override name = "OutsideUpgradeError";
  override readonly code: string = "KH_ERR_OUTSIDE_UPGRADE";
}

/**
 * Why a run could not judge the upgrade, in one line, when `err` says so: a step outside the upgrade
 * failed, the environment lacked something, or an input problem showed only once the run began.
 * Undefined for anything else (a failed step of the upgrade itself is judged by the checks).
 */
export function unjudgedCause(err: unknown): string | undefined {
  if (!(err instanceof OutsideUpgradeError || err instanceof EnvironmentError || err instanceof InvalidConfigError)) return undefined;
  const first = err.message.split("\n")[0]!;
  return err.hint ? `${first} (${err.hint})` : first;
}
