// A run whose step failed outside the upgrade: report.json says "error" with its cause, and every
// rendering says "not judged" rather than FAIL; `check` (re-running the checks) keeps it.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History, writeExpectations, type CheckResult } from "../checks/index.ts";
import { EXPECTATIONS, ManualClock } from "../checks/testing.ts";
import { exitCodeOfVerdict } from "../cli/exit-codes.ts";
import { recheck } from "./analyze.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderReports } from "./render.ts";
import { assembleReport, writeReportSync } from "./report.ts";
import { formatSummary } from "./summary.ts";

const CAUSE = "`kong migrations bootstrap` exited 1: kong-standin:2.5.1 cannot log in to the datastore: Kong 2.5.1's Postgres client (pgmoon 1.12.0) cannot use SCRAM-SHA-256 authentication";
const unknown: CheckResult = { id: "zero-failed-requests", status: "unknown", message: "no request data", evidence: [] };
const passed: CheckResult = { id: "schema-only-adds", status: "pass", message: "ok", evidence: [] };

describe("report.json: verdict error (a step failed outside the upgrade)", () => {
  it("an errorCause makes the verdict error, whatever the checks say; without one nothing changes", () => {
    expect(assembleReport({ checks: [passed], errorCause: CAUSE })).to.include({ verdict: "error", errorCause: CAUSE });
    expect(assembleReport({ checks: [unknown], errorCause: CAUSE }).verdict).to.equal("error");
    expect(assembleReport({ checks: [passed] })).to.include({ verdict: "pass", errorCause: null });
    expect(assembleReport({ checks: [unknown] })).to.include({ verdict: "fail", errorCause: null });
    expect([exitCodeOfVerdict("pass"), exitCodeOfVerdict("fail"), exitCodeOfVerdict("error")]).to.deep.equal([0, 1, 3]);
  });

  it("JUnit: a run-completed error case with the cause before the checks; Markdown and the summary say ERROR and why", () => {
    const r = assembleReport({ scenario: "postgres-blue-green", versions: { old: "2.5.1", new: "2.6.0" }, checks: [unknown], errorCause: CAUSE,
      images: [{ role: "datastore", ref: "postgres:15", standin: false, auth: "scram-sha-256" }] });
    const xml = renderJunit([{ name: "run", report: r }]);
    expect(xml).to.match(/<testsuites name="kong-upgrade-harness" tests="2" failures="0" errors="2"/);
    expect(xml).to.contain(`<testcase classname="kong-upgrade-harness.postgres-blue-green" name="run-completed" time="0">`);
    expect(xml).to.contain(`<property name="errorCause" value="\`kong migrations bootstrap\` exited 1: kong-standin:2.5.1 cannot log in`);
    const md = renderMarkdown(r);
    expect(md.split("\n")[0]).to.equal("## ⛔ ERROR: postgres-blue-green 2.5.1 → 2.6.0");
    expect(md).to.contain(`> **Not judged**: a step failed for a reason outside the upgrade: ${CAUSE}`);
    const summary = formatSummary(r);
    expect(summary).to.contain(`NOT JUDGED: a step failed for a reason outside the upgrade: ${CAUSE}`);
    expect(summary).to.contain("image datastore: postgres:15 (auth scram-sha-256)");
    expect(summary.split("\n").at(-1)).to.equal(`verdict: ERROR: ${CAUSE}`);
  });

  it("report.html shows ERROR and the cause; `check` re-runs the checks and keeps the cause", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-error-verdict-"));
    try {
      writeExpectations(dir, EXPECTATIONS);
      new History(new ManualClock(), join(dir, "history.jsonl")).close();
      writeFileSync(join(dir, "requests.jsonl"), "");
      writeReportSync(dir, { scenario: "postgres-blue-green", errorCause: CAUSE });
      const html = readFileSync((await renderReports(dir)).html, "utf8");
      expect(html).to.contain('<body data-verdict="error"');
      expect(html).to.contain('<div class="verdict-word">⚠ ERROR</div>');
      expect(html).to.match(/<div class="banner error" id="error-banner" role="alert"><strong>NOT JUDGED\.<\/strong> A step failed for a reason outside the upgrade: `kong migrations bootstrap` exited 1/);
      const { report } = await recheck(dir);
      expect(report).to.include({ verdict: "error", errorCause: CAUSE });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
