// The CLI's exit codes: a documented enum, so pipelines can tell a failed upgrade from a broken run.
export const ExitCode = {
  /** Every check passed (or the command did what it was asked). */
  Ok: 0,
  /** The run completed and at least one check failed; `lab --check` found something missing. */
  ChecksFailed: 1,
  /** Bad input or an unusable environment: malformed scenario, unknown image, no Docker engine, port in use. */
  InvalidInput: 2,
  /** The harness itself could not run: a lab build failed, an unexpected internal error. */
  HarnessFailed: 3,
  /** Interrupted by SIGINT/SIGTERM; the report is still written and containers are removed. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
