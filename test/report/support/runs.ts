// The runs the report tests judge are the scenario tests' own (shared in one mocha process): two
// clean 1.5.1 -> 2.6.0 qualification runs and the run with 2% proxy 5xx on green-1.
import { CLEAN_RUN, PROXY_5XX_RUN, runScenarioOnce } from "../../scenario/scenario-run.ts";

export interface DemoRuns { readonly pass: string; readonly pass2: string; readonly fail: string }

export const FAULT = PROXY_5XX_RUN.faults;

let runs: Promise<DemoRuns> | undefined;

/** Runs one after another: two at once on a 2-core machine time out (load, not bugs). */
export function demoRuns(): Promise<DemoRuns> {
  runs ??= (async () => {
    const pass = await runScenarioOnce({ ...CLEAN_RUN, attempt: 1 });
    const fail = await runScenarioOnce(PROXY_5XX_RUN);
    const pass2 = await runScenarioOnce({ ...CLEAN_RUN, attempt: 2 });
    for (const [run, code] of [[pass, 0], [fail, 1], [pass2, 0]] as const) {
      if (run.cli.code !== code) throw new Error(`run ${run.reportDir} exited ${run.cli.code}, expected ${code}\n${run.cli.stdout.slice(-3000)}\n${run.cli.stderr.slice(-2000)}`);
    }
    return { pass: pass.reportDir, pass2: pass2.reportDir, fail: fail.reportDir };
  })();
  return runs;
}
