// The runs the report tests judge are the scenario tests' own (shared in one mocha process): the demo
// pair 1.5.1 -> 2.6.0 without key rotation (the stand-in run that passes every check), the run with
// 2% proxy 5xx on green-1, and two runs of the demo pair as it runs by default, with key rotation,
// each failing on the revoked-key finding of Kong's 2.0 -> 2.1 cache-key change.
import { CLEAN_RUN, CLEAN_RUN_WITHOUT_ROTATION, PROXY_5XX_RUN, runScenarioOnce } from "../../scenario/scenario-run.ts";

export interface DemoRuns { readonly pass: string; readonly fail: string; readonly finding: string; readonly finding2: string }

export const FAULT = PROXY_5XX_RUN.faults;

let runs: Promise<DemoRuns> | undefined;

/** Runs one after another: two at once on a 2-core machine time out (load, not bugs). */
export function demoRuns(): Promise<DemoRuns> {
  runs ??= (async () => {
    const pass = await runScenarioOnce(CLEAN_RUN_WITHOUT_ROTATION);
    const fail = await runScenarioOnce(PROXY_5XX_RUN);
    const finding = await runScenarioOnce({ ...CLEAN_RUN, attempt: 1 });
    const finding2 = await runScenarioOnce({ ...CLEAN_RUN, attempt: 2 });
    for (const [run, code] of [[pass, 0], [fail, 1], [finding, 1], [finding2, 1]] as const) {
      if (run.cli.code !== code) throw new Error(`run ${run.reportDir} exited ${run.cli.code}, expected ${code}\n${run.cli.stdout.slice(-3000)}\n${run.cli.stderr.slice(-2000)}`);
    }
    return { pass: pass.reportDir, fail: fail.reportDir, finding: finding.reportDir, finding2: finding2.reportDir };
  })();
  return runs;
}
