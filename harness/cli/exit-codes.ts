// The CLI's exit codes: a documented enum, so pipelines can tell a failed upgrade from a broken run.
export const ExitCode = {
  /** Every check passed (or the command did what it was asked). */
  Ok: 0,
  /** The run completed and at least one check failed: the upgrade failed; `lab --check` found something missing. */
  ChecksFailed: 1,
  /**
   * Bad input, refused before anything starts: malformed scenario, unknown image, an option the image
   * cannot take (`--faults` on real Kong), no Docker engine, port in use.
   */
  InvalidInput: 2,
  /**
   * The upgrade was not judged: a step failed for a reason outside it (the datastore unreachable or
   * refusing the image's login, an image that does not start at all before `up`, a lab component
   * missing; report.json's verdict "error"), or the harness itself failed.
   */
  HarnessFailed: 3,
  /** Interrupted by SIGINT/SIGTERM; the report is still written and containers are removed. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a report's verdict: pass 0, fail 1, error 3. */
export function exitCodeOfVerdict(verdict: "pass" | "fail" | "error"): ExitCode {
  return verdict === "pass" ? ExitCode.Ok : verdict === "error" ? ExitCode.HarnessFailed : ExitCode.ChecksFailed;
}
