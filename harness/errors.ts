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
