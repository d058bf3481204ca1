// An interrupted run still writes its report and removes its containers, and exits 130.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

const ours = (): string[] => execFileSync("docker", ["ps", "-aq", "--filter", "label=org.testcontainers=true"]).toString().split("\n").filter(Boolean);

describe("CLI: an interrupted run", function () {
  this.timeout(180_000);

  it("writes report.json marked interrupted, removes every container it started, exits 130", async () => {
    const reportDir = join(mkdtempSync(join(tmpdir(), "kuh-int-")), "run");
    const before = ours();
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/kong-upgrade-harness.mjs"), "demo", "--rate", "50", "--report-dir", reportDir], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    // Interrupt once the shift is under way: load, both clusters and the datastore are all up.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (out.includes("4. starts new nodes")) { clearInterval(timer); resolve(); }
        if (child.exitCode !== null) { clearInterval(timer); reject(new Error(`run ended before it could be interrupted:\n${out}`)); }
      }, 200);
    });
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, out).to.equal(130);
    expect(out).to.contain("SIGINT: stopping the run, writing its report and removing its containers...");
    const reportPath = join(reportDir, "report.json");
    expect(existsSync(reportPath)).to.equal(true);
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as { verdict: string; interrupted: boolean; interruptReason: string };
    expect([report.verdict, report.interrupted, report.interruptReason]).to.deep.equal(["fail", true, "interrupted by SIGINT"]);
    // The run removed its own containers; the reaper removes itself a few seconds after the process.
    let left = ours().filter((c) => !before.includes(c));
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = ours().filter((c) => !before.includes(c));
    }
    expect(left, "containers left behind").to.deep.equal([]);
  });
});
