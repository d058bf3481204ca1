// Acknowledged findings through the real CLI (`--accept FILE`). One stand-in run, 2.5.1 -> 2.6.0
// (the pair whose only finding is Kong's unenforced old-node rule, see
// test/scenario/old-version-baselines.test.ts), made with the shipped example file: it passes with
// that failure accepted. The same recorded run is then judged again offline (`check`, `compare`),
// with and without accept files: accepted and exit 0 against fail and exit 1, out of range and
// expired entries that accept nothing, and malformed files refused before anything starts.
import { expect } from "chai";
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Report } from "../../harness/report/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { runCli, type CliResult } from "../support/cli.ts";
import { describeChecks, runScenario, type ScenarioRun } from "../scenario/scenario-run.ts";

const EXAMPLE = join(PROJECT_ROOT, "examples/accept-kong-unenforced-old-node.yaml");
const OLD_NODE = "old-node-refuses-after-finish";
/** As old-version-baselines.test.ts runs it: two old and two new nodes, short. */
const PAIR = { old: "2.5.1", new: "2.6.0", oldNodes: 2, newNodes: 2, steps: [0, 50, 100], rate: 100, holdMs: 1_000 } as const;

const dir = mkdtempSync(join(tmpdir(), "kuh-accept-cli-"));
let files = 0;
const acceptFile = (yaml: string): string => {
  const file = join(dir, `accept-${++files}.yaml`);
  writeFileSync(file, yaml);
  return file;
};
const readReport = (runDir: string): Report => JSON.parse(readFileSync(join(runDir, "report.json"), "utf8")) as Report;
const statusOf = (r: Report, id: string): string | undefined => r.checks.find((c) => c.id === id)?.status;
/** A copy of the recorded run, to judge again without touching the original. */
const copyOf = (runDir: string): string => {
  const copy = mkdtempSync(join(tmpdir(), "kuh-accept-copy-"));
  cpSync(runDir, copy, { recursive: true });
  return copy;
};
const lastLine = (r: CliResult): string => r.stdout.trim().split("\n").at(-1)!;

describe("CLI: acknowledged findings (--accept)", function () {
  this.timeout(6 * 60_000);
  let run: ScenarioRun;
  let all: string;

  before(async () => {
    run = await runScenario({ ...PAIR, flags: ["--accept", EXAMPLE] });
    all = `${describeChecks(run)}\nreport: ${run.reportDir}/report.json\n${run.cli.stderr.slice(-2000)}`;
  });

  it("run --accept: Kong's unenforced old-node rule is accepted, in every report, and the run passes (exit 0)", () => {
    const r = run.report;
    expect([run.cli.code, r.verdict], all).to.deep.equal([0, "pass"]);
    const c = run.check(OLD_NODE);
    expect(c.status, all).to.equal("accepted");
    expect(c.message).to.equal("kong-standin:2.5.1 started against a database finished by kong-standin:2.6.0 and served 11/11 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3");
    expect(c.acceptedBy).to.include({ file: EXAMPLE, entry: 1, check: OLD_NODE });
    expect(r.counts).to.include({ fail: 0, unknown: 0, accepted: 1 });
    expect(r.acceptances!.entries.map((e) => [e.entry, e.state, e.matched])).to.deep.equal([[1, "matched", [OLD_NODE]]]);
    expect(run.cli.stdout).to.match(/^ {2}ACCEPTED +old-node-refuses-after-finish +kong-standin:2\.5\.1 started/m);
    expect(run.cli.stdout).to.match(/verdict: PASS \(0 failed, 1 accepted, 0 unknown, \d+ passed\)/);
    const junit = readFileSync(join(run.reportDir, "junit.xml"), "utf8");
    expect(junit).to.not.contain("<failure");
    expect(junit).to.contain(`name="${OLD_NODE}" time="0">\n      <system-out>ACCEPTED (a known failure, not failing the run): kong-standin:2.5.1 started`);
    expect(readFileSync(join(run.reportDir, "summary.md"), "utf8")).to.match(/^0 failed, 1 accepted, 0 unknown, \d+ passed checks/m);
    expect(readFileSync(join(run.reportDir, "report.html"), "utf8")).to.contain(`<article class="check accepted" data-check="${OLD_NODE}" data-status="accepted">`);
  });

  it("check: the recorded run judged again without the file fails (exit 1); with it, accepted (exit 0)", async () => {
    const copy = copyOf(run.reportDir);
    const plain = await runCli(["check", copy]);
    expect([plain.code, statusOf(readReport(copy), OLD_NODE), readReport(copy).acceptances], plain.stdout.slice(-2000)).to.deep.equal([1, "fail", null]);
    expect(lastLine(plain)).to.match(/^verdict: FAIL \(1 failed, 0 unknown, \d+ passed\); report: /);
    const accepted = await runCli(["check", copy, "--accept", EXAMPLE]);
    expect([accepted.code, statusOf(readReport(copy), OLD_NODE)], accepted.stdout.slice(-2000)).to.deep.equal([0, "accepted"]);
    expect(lastLine(accepted)).to.match(/^verdict: PASS \(0 failed, 1 accepted, 0 unknown, \d+ passed\); report: /);
  });

  it("check: an entry for other versions accepts nothing (out of range), an expired one says so; the stale one is reported, not failed", async () => {
    const copy = copyOf(run.reportDir);
    const other = acceptFile(`- check: ${OLD_NODE}\n  old: ">=2.0 <3.0"\n  new: 2.8.x\n  reason: only the 2.8 target\n`);
    const r1 = await runCli(["check", copy, "--accept", other]);
    expect([r1.code, statusOf(readReport(copy), OLD_NODE)]).to.deep.equal([1, "fail"]);
    expect(r1.stdout).to.contain(`OUT-OF-RANGE entry 1 ${OLD_NODE}: the run's new Kong 2.6.0 is outside new "2.8.x"`);
    const expired = acceptFile(`- check: ${OLD_NODE}\n  old: 2.5.x\n  reason: until the fix\n  expires: 2020-01-31\n- check: shared-rate-limit\n  old: 2.5.x\n  reason: the cluster policy races\n`);
    const r2 = await runCli(["check", copy, "--accept", expired]);
    expect([r2.code, statusOf(readReport(copy), OLD_NODE)]).to.deep.equal([1, "fail"]);
    expect(r2.stdout).to.contain(`EXPIRED entry 1 ${OLD_NODE}: expired on 2020-01-31: accepts nothing any more; ${OLD_NODE} fails`);
    expect(r2.stdout).to.contain("STALE entry 2 shared-rate-limit: shared-rate-limit passed: the finding is gone");
    expect(readReport(copy).checks.find((c) => c.id === OLD_NODE)!.notAccepted).to.equal(`accept entry 1 of ${expired} expired on 2020-01-31: accepts nothing any more`);
  });

  it("compare --accept: the same recorded run judged without the file regresses against the accepted one; with it, not (exit 1 vs 0)", async () => {
    const copy = copyOf(run.reportDir);
    expect((await runCli(["check", copy])).code).to.equal(1);
    const without = await runCli(["compare", run.reportDir, copy, "--no-step-summary"]);
    expect(without.code, without.stdout).to.equal(1);
    expect(without.stdout).to.contain(`REGRESSION check:${OLD_NODE}: ${OLD_NODE} fails now (baseline: accepted)`);
    const withFile = await runCli(["compare", run.reportDir, copy, "--no-step-summary", "--accept", EXAMPLE]);
    expect(withFile.code, withFile.stdout).to.equal(0);
    expect(withFile.stdout).to.contain(`ok         check:${OLD_NODE}: ${OLD_NODE} fails, accepted (baseline: accepted) by entry 1: Kong documents that old nodes cannot start`);
  });

  it("a malformed accept file exits 2 with one line naming file, entry and field, before anything starts or is written", async () => {
    const copy = copyOf(run.reportDir);
    const before = statSync(join(copy, "report.json")).mtimeMs;
    const bad = acceptFile(`- check: ${OLD_NODE}\n  old: ">=2.1 <3.0"\n  reason: fine\n- check: ${OLD_NODE}\n  old: "2.5.1"\n`);
    const line = `error: accept file ${bad}: entry 2 (${OLD_NODE}): field "reason" is required: say why the finding is accepted (see README, "Acknowledged findings")`;
    const fresh = join(dir, "never-started");
    for (const args of [
      ["check", copy, "--accept", bad],
      ["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:2.5.1", "--new", "kong-standin:2.6.0", "--report-dir", fresh, "--accept", bad],
      ["run", "--path", "--from", "2.5.1", "--to", "2.6.0", "--image-template", "kong-standin:{version}", "--report-dir", fresh, "--accept", bad],
      ["compare", run.reportDir, copy, "--accept", bad],
      ["qualify", "--target", "2.6.0", "--from", "2.5.1", "--standin", "--out", fresh, "--accept", bad],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stderr.trim().split("\n")], `${args[0]}: ${r.stdout}`).to.deep.equal([2, [line]]);
      expect(r.stdout, args[0]).to.equal("");
    }
    expect(existsSync(fresh), "no report folder for a run refused before it started").to.equal(false);
    expect(statSync(join(copy, "report.json")).mtimeMs, "report.json not rewritten").to.equal(before);
  });
});
