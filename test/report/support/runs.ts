// The demo runs the report tests judge, made once per mocha process (shared by every file in
// test/report/): two clean runs and one with a stand-in fault switch (5% proxy 5xx on green).
// Runs go one after another: two at once on a 2-core machine time out (load, not bugs).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "../../support/cli.ts";

export interface DemoRuns { readonly pass: string; readonly pass2: string; readonly fail: string }

const DEMO = ["demo", "--rate", "100", "--hold-ms", "1000", "--steps", "0,50,100"];
export const FAULT = "green=proxy-5xx@rate=0.05";

let runs: Promise<DemoRuns> | undefined;

async function demo(dir: string, extra: readonly string[], expectCode: number): Promise<void> {
  const r: CliResult = await runCli([...DEMO, "--report-dir", dir, ...extra], {}, 300_000);
  if (r.code !== expectCode) {
    throw new Error(`demo ${extra.join(" ")} exited ${r.code}, expected ${expectCode} (report dir ${dir})\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  }
}

/** Runs the three demos once (about 35 s each on an idle machine). */
export function demoRuns(): Promise<DemoRuns> {
  runs ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), "kuh-report-"));
    const d: DemoRuns = { pass: join(root, "pass"), pass2: join(root, "pass2"), fail: join(root, "fail") };
    await demo(d.pass, [], 0);
    await demo(d.fail, ["--faults", FAULT], 1);
    await demo(d.pass2, [], 0);
    return d;
  })();
  return runs;
}
