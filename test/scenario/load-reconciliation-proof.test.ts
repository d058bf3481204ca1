// The load generator loses answers on a real blue/green run, and load-reconciliation fails naming
// them. The fault is real, done to the running vegeta processes: mid-shift its results stall (the
// `vegeta encode` stage is stopped, so the pipe from `vegeta attack` fills; the attack keeps
// sending at its rate and each worker holds the answer it got), then `vegeta attack` is killed
// with SIGKILL. The load balancer answered every one of those held requests and recorded it in
// requests.jsonl; vegeta never reports them. Short run: 1 old + 1 new node, 100 requests/s,
// steps 0/50/100 with 2 s holds; the run ends after the shift (nothing later is judged here).
import { execFileSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { expect } from "chai";
import { UpgradeScenario } from "../../harness/scenario/index.ts";
import { describeRun, options, runSteps } from "./in-process.ts";

/** From the shift's start: the results stall after this long, for STALL_MS, and vegeta is then killed (in the 50% step). */
const STALL_FROM_MS = 500;
const STALL_MS = 3_000;

/** This process's own vegeta children: the attack and its encoder. */
function loadGenerator(): { attack: number; encode: number } {
  const lines = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" }).split("\n");
  const pid = (re: RegExp): number => {
    const line = lines.find((l) => re.test(l));
    if (!line) throw new Error(`no child process matching ${re} among:\n${lines.join("\n")}`);
    return Number(line.trim().split(/\s+/)[0]);
  };
  return { attack: pid(/\/vegeta attack /), encode: pid(/\/vegeta encode /) };
}

class LoadGeneratorKilledMidShift extends UpgradeScenario {
  protected override async shiftSteps(): Promise<void> {
    const fault = (async () => {
      await delay(STALL_FROM_MS);
      const { attack, encode } = loadGenerator();
      process.kill(encode, "SIGSTOP");
      try {
        await delay(STALL_MS);
        process.kill(attack, "SIGKILL");
      } finally {
        process.kill(encode, "SIGCONT");
      }
    })();
    const [shifted] = await Promise.allSettled([super.shiftSteps(), fault]);
    await fault;
    if (shifted.status === "rejected") throw shifted.reason;
  }
}

describe("load-reconciliation on a real run", function () {
  this.timeout(5 * 60_000);

  // proves: load-reconciliation
  it("fails when vegeta is killed mid-shift holding answers the load balancer sent, naming counts, step and node", async () => {
    const s = new LoadGeneratorKilledMidShift("load-generator-killed", options({ oldImage: "kong-standin:1.5.1", newImage: "kong-standin:2.6.0", steps: [0, 50, 100], holdMs: 2_000 }));
    const run = await runSteps(s, [() => s.setUp(), () => s.startLoad(), () => s.migrationsUp(), () => s.startGreen(), () => s.shift()]);
    const all = `${describeRun(run)}\nreport: ${run.runDir}/report.json`;
    expect(run.stepError, all).to.equal(undefined);
    const c = run.check("load-reconciliation");
    expect(c.status, all).to.equal("fail");
    expect(c.message, all).to.match(new RegExp("^counts do not reconcile: the LB answered [1-9][\\d,]* load requests that vegeta never received \\(200 ×[\\d,]+[^)]*\\); "
      + "vegeta never reported [1-9][\\d,]* of the requests the LB saw; "
      + "[1-9][\\d,]* of the LB's answers \\([^)]*\\) came after vegeta's last answer at \\d+ ms, from \\d+ ms: [1-9][\\d,]* during Shift step (0|50)% on (blue|green)-1[^;]*; "
      + "vegeta killed by SIGKILL before it was stopped$"));
    expect(run.report.errors, all).to.satisfy((errors: string[]) => errors.some((e) => /^load: AttackFailedError: Command failed with exit code -1: /.test(e)));
  });
});
