import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckResult } from "../checks/index.ts";
import { ManualClock } from "../traffic/index.ts";
import { qualify, type PairRunner } from "../qualify/index.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import { validate, type Schema } from "../../test/report/support/json-schema.ts";
import type { AcceptEntry, AcceptList } from "./accept-file.ts";
import { applyAcceptances } from "./accepted.ts";
import { compareReports } from "./compare.ts";
import { reportView } from "./html/report-view.ts";
import { renderHtml } from "./html/page.ts";
import { renderJunit, suiteName } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { hopReport, pathChecks } from "./path-report.ts";
import { rejudgeReport } from "./rejudge.ts";
import { assembleReport, type Report } from "./report.ts";
import { formatSummary } from "./summary.ts";

const OLD_NODE = "old-node-refuses-after-finish";
const SERVED_CORRECTLY = "kong:2.5.1 started against a database finished by kong:2.6.0 and served 11/11 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3";
const SERVED_WRONG = "kong:2.5.1 started against a database finished by kong:2.6.0 and served 3/11 baseline requests incorrectly (8 correct): an old node after finish serves wrong answers";
const FILE = "/teams/kong/accept.yaml";
const NOW = new Date("2026-12-06T12:00:00Z");

const check = (id: string, status: CheckResult["status"], message = `${id} ${status}`): CheckResult => ({ id, status, message, evidence: [`evidence of ${id}`] });
const entry = (e: Partial<AcceptEntry> = {}): AcceptEntry => ({ entry: 1, check: OLD_NODE, old: ">=2.0 <3.0", message: "Kong does not enforce the documented rule", reason: "Kong does not enforce its rule", ...e });
const list = (...entries: AcceptEntry[]): AcceptList => ({ file: FILE, entries: entries.map((e, i) => ({ ...e, entry: i + 1 })) });
const run = (checks: CheckResult[], accept?: AcceptList, versions = { old: "2.5.1", new: "2.6.0" }): Report =>
  assembleReport({ scenario: "postgres-blue-green", versions, checks, ...(accept ? { accept } : {}) }, NOW);

describe("acknowledged findings: matching", () => {
  it("turns the matching failure into accepted, with the entry that accepted it; the verdict passes", () => {
    const r = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry()));
    expect(r.checks.map((c) => c.status)).to.deep.equal(["pass", "accepted"]);
    expect(r.checks[1]!.acceptedBy).to.deep.equal({ ...entry(), file: FILE });
    expect(r.counts).to.deep.equal({ pass: 1, fail: 0, unknown: 0, accepted: 1 });
    expect(r.verdict).to.equal("pass");
    expect(r.acceptances).to.deep.equal({ file: FILE, judgedOn: "2026-12-06", entries: [{ ...entry(), state: "matched", matched: [OLD_NODE], note: `accepted ${OLD_NODE}` }] });
  });

  it("without an accept file the same failure fails, and the report says no file was used", () => {
    const r = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", SERVED_CORRECTLY)]);
    expect([r.verdict, r.counts.fail, r.counts.accepted, r.acceptances]).to.deep.equal(["fail", 1, 0, null]);
  });

  it("accepts only the kind of failure its message names: an old node serving wrong answers still fails, and the entry is stale", () => {
    const r = run([check(OLD_NODE, "fail", SERVED_WRONG)], list(entry()));
    expect([r.verdict, r.checks[0]!.status]).to.deep.equal(["fail", "fail"]);
    expect(r.acceptances!.entries[0]).to.include({ state: "stale", note: `${OLD_NODE} failed, but its message does not contain "Kong does not enforce the documented rule": another kind of failure` });
    // Without `message`, any failure of the check is accepted.
    expect(run([check(OLD_NODE, "fail", SERVED_WRONG)], list(entry({ message: undefined }))).verdict).to.equal("pass");
  });

  it("matches on the run's versions: outside either range it accepts nothing and says why (out of range, not stale)", () => {
    const failing = [check(OLD_NODE, "fail", SERVED_CORRECTLY)];
    const cases: [Partial<AcceptEntry>, { old: string; new: string }, string][] = [
      [{ old: ">=2.0 <3.0" }, { old: "3.0.1", new: "3.1.0" }, `the run's old Kong 3.0.1 is outside old ">=2.0 <3.0"`],
      [{ old: undefined, new: "2.8.x" }, { old: "2.5.1", new: "2.6.0" }, `the run's new Kong 2.6.0 is outside new "2.8.x"`],
      [{ old: "2.5.1", new: ">=2.6 <2.7" }, { old: "2.5.1", new: "2.7.0" }, `the run's new Kong 2.7.0 is outside new ">=2.6 <2.7"`],
    ];
    for (const [e, versions, note] of cases) {
      const r = run(failing, list(entry(e)), versions);
      expect([r.verdict, r.acceptances!.entries[0]!.state, r.acceptances!.entries[0]!.note], note).to.deep.equal(["fail", "out-of-range", note]);
    }
    const inRange = run(failing, list(entry({ old: "2.5.1", new: ">=2.6 <2.7" })), { old: "2.5.1", new: "2.6.0" });
    expect(inRange.verdict).to.equal("pass");
    // A version the run could not read cannot be shown to be in range.
    const unknownVersion = assembleReport({ checks: failing, accept: list(entry()) }, NOW);
    expect([unknownVersion.verdict, unknownVersion.acceptances!.entries[0]!.note]).to.deep.equal(["fail", `the run's old Kong version is not known, so old ">=2.0 <3.0" cannot be shown to hold`]);
  });

  it("an expired entry accepts nothing and says so, on the failure it would have accepted too; it accepts through its last day", () => {
    const failing = [check(OLD_NODE, "fail", SERVED_CORRECTLY)];
    const r = run(failing, list(entry({ expires: "2026-12-05" })));
    expect([r.verdict, r.checks[0]!.status]).to.deep.equal(["fail", "fail"]);
    expect(r.checks[0]!.notAccepted).to.equal(`accept entry 1 of ${FILE} expired on 2026-12-05: accepts nothing any more`);
    expect(r.acceptances!.entries[0]).to.include({ state: "expired", note: `expired on 2026-12-05: accepts nothing any more; ${OLD_NODE} fails` });
    expect(run(failing, list(entry({ expires: "2026-12-06" }))).verdict).to.equal("pass");
  });

  it("reports an entry that matched nothing as stale, saying why, without failing the run", () => {
    const r = run([check(OLD_NODE, "pass"), check("shared-rate-limit", "unknown")], list(
      entry(), entry({ check: "shared-rate-limit", message: undefined }), entry({ check: "downtime-window", message: undefined }),
      entry({ check: OLD_NODE, message: undefined })));
    expect(r.verdict).to.equal("fail"); // the unknown check, not the stale entries
    expect(r.acceptances!.entries.map((e) => [e.state, e.note])).to.deep.equal([
      ["stale", `${OLD_NODE} passed: the finding is gone`],
      ["stale", "shared-rate-limit is unknown, not failed: only failures are accepted"],
      ["stale", "downtime-window did not run"],
      ["stale", `${OLD_NODE} passed: the finding is gone`],
    ]);
    const twice = run([check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry(), entry({ message: undefined })));
    expect(twice.acceptances!.entries.map((e) => [e.state, e.note])).to.deep.equal([["matched", `accepted ${OLD_NODE}`], ["stale", `${OLD_NODE} was already accepted by entry 1`]]);
  });

  it("never accepts an unknown check or an interrupted run's verdict", () => {
    expect(run([check(OLD_NODE, "unknown")], list(entry({ message: undefined }))).verdict).to.equal("fail");
    const interrupted = assembleReport({ versions: { old: "2.5.1", new: "2.6.0" }, checks: [check(OLD_NODE, "fail", SERVED_CORRECTLY)], accept: list(entry()), interrupted: true }, NOW);
    expect([interrupted.checks[0]!.status, interrupted.verdict]).to.deep.equal(["accepted", "fail"]);
  });

  it("judging again starts from the checks' own verdicts: an earlier acceptance the new list does not repeat fails again", () => {
    const accepted = run([check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry()));
    const again = applyAcceptances(accepted.checks, accepted.versions, list(entry({ old: "2.8.x" })), NOW);
    expect(again.checks[0]).to.deep.equal(check(OLD_NODE, "fail", SERVED_CORRECTLY));
  });
});

describe("acknowledged findings: every report format", () => {
  const accepted = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry(), entry({ check: "shared-rate-limit", message: undefined })));

  it("the console summary marks it ACCEPTED, lists each entry's outcome and counts it apart in the verdict line", () => {
    const text = formatSummary(accepted);
    expect(text).to.match(/^ {2}ACCEPTED +old-node-refuses-after-finish +kong:2\.5\.1 started against/m);
    expect(text).to.contain(`acknowledged findings (${FILE}):\n  MATCHED entry 1 ${OLD_NODE}: accepted ${OLD_NODE}\n    reason: Kong does not enforce its rule\n  STALE entry 2 shared-rate-limit: shared-rate-limit did not run`);
    expect(text.split("\n").at(-1)).to.equal("verdict: PASS (0 failed, 1 accepted, 0 unknown, 1 passed)");
    expect(formatSummary(run([check("a-check", "fail")])).split("\n").at(-1)).to.equal("verdict: FAIL (1 failed, 0 unknown, 0 passed)");
  });

  it("junit.xml: an accepted failure is a passing case with its message and reason, not a failure", () => {
    const xml = renderJunit([{ name: suiteName(accepted), report: accepted }]);
    expect(xml).to.contain('<testsuites name="kong-upgrade-harness" tests="2" failures="0" errors="0"');
    expect(xml).to.not.contain("<failure");
    expect(xml).to.contain(`<testcase classname="kong-upgrade-harness.postgres-blue-green" name="${OLD_NODE}" time="0">\n      <system-out>ACCEPTED (a known failure, not failing the run): ${SERVED_CORRECTLY}\naccepted by entry 1 of ${FILE}: Kong does not enforce its rule</system-out>`);
    expect(xml).to.contain('<property name="accepted" value="1"/>');
    expect(xml).to.contain(`    <system-out>entry 1 ${OLD_NODE} (old &gt;=2.0 &lt;3.0, message &quot;Kong does not enforce the documented rule&quot;): MATCHED: accepted ${OLD_NODE}; reason: Kong does not enforce its rule\n`
      + "entry 2 shared-rate-limit (old &gt;=2.0 &lt;3.0): STALE: shared-rate-limit did not run; reason: Kong does not enforce its rule</system-out>");
    const expired = run([check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry({ expires: "2026-01-01" })));
    expect(renderJunit([{ name: "x", report: expired }])).to.contain(`<failure message="${SERVED_CORRECTLY}" type="fail">${SERVED_CORRECTLY}\n(accept entry 1 of ${FILE} expired on 2026-01-01: accepts nothing any more)`);
  });

  it("summary.md and report.html show the accepted failure apart from the failed ones, and every entry's outcome", () => {
    const md = renderMarkdown(accepted);
    expect(md).to.contain("## ✅ PASS: postgres-blue-green 2.5.1 → 2.6.0");
    expect(md).to.contain("0 failed, 1 accepted, 0 unknown, 1 passed checks");
    expect(md).to.contain(`| \`${OLD_NODE}\` | ☑️ accepted | ${SERVED_CORRECTLY} (accepted by entry 1: Kong does not enforce its rule) |`);
    expect(md).to.contain("<details open><summary>Acknowledged findings");
    const html = renderHtml({ view: reportView(accepted), series: null, nodes: { blue: [], green: [] } });
    expect(html).to.contain('data-verdict="pass" data-fail="0" data-unknown="0" data-pass="1" data-accepted="1"');
    expect(html).to.contain('<section id="failed-checks"><h2>Failed checks</h2><p class="ok-text">None: every check passed.</p></section>');
    expect(html).to.contain(`<article class="check accepted" data-check="${OLD_NODE}" data-status="accepted">`);
    expect(html).to.contain('data-entry="1" data-state="matched"');
    expect(html).to.contain('data-entry="2" data-state="stale"');
  });

  it("report.json validates against reports/schema/report.schema.json, for a run and a path", () => {
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/report.schema.json"), "utf8")) as Schema;
    expect(validate(schema, JSON.parse(JSON.stringify(accepted)))).to.deep.equal([]);
    const expired = run([check(OLD_NODE, "fail", SERVED_CORRECTLY)], list(entry({ expires: "2026-01-01" })));
    expect(validate(schema, JSON.parse(JSON.stringify(expired)))).to.deep.equal([]);
    expect(validate(schema, JSON.parse(JSON.stringify(run([check("a-check", "pass")]))))).to.deep.equal([]);
  });
});

describe("acknowledged findings: paths, compare and qualify", () => {
  const hop = (index: number, from: string, to: string, message: string, accept?: AcceptList) =>
    hopReport({ index, from, to, procedure: "postgres-blue-green", dir: `hop-${index}`, failedStep: null },
      { scenario: "postgres-blue-green", versions: { old: from, new: to }, checks: [check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", message)], ...(accept ? { accept } : {}) });

  it("a path judges each hop with its own versions and merges the entries' outcomes over the hops", () => {
    const accept = list(entry({ old: "2.5.x" }));
    const hops = [hop(1, "2.5.1", "2.8.5", SERVED_CORRECTLY, accept), hop(2, "2.8.5", "3.0.1", SERVED_CORRECTLY, accept)];
    const r = assembleReport({ scenario: "upgrade-path", versions: { old: "2.5.1", new: "3.0.1" }, checks: pathChecks(hops), hops }, NOW);
    expect(r.checks.map((c) => [c.id, c.status])).to.deep.equal([["hop-1-zero-failed-requests", "pass"], [`hop-1-${OLD_NODE}`, "accepted"], ["hop-2-zero-failed-requests", "pass"], [`hop-2-${OLD_NODE}`, "fail"]]);
    expect(r.verdict).to.equal("fail");
    expect(r.acceptances!.entries[0]).to.include({ state: "matched", note: `hop 1: accepted ${OLD_NODE}` });
    expect(r.acceptances!.entries[0]!.matched).to.deep.equal([`hop-1-${OLD_NODE}`]);
    expect(r.hops!.map((h) => h.acceptances!.entries[0]!.state)).to.deep.equal(["matched", "out-of-range"]);
    // The same path written without the file, judged again with one that covers both hops: it passes.
    const plain = [hop(1, "2.5.1", "2.8.5", SERVED_CORRECTLY), hop(2, "2.8.5", "3.0.1", SERVED_CORRECTLY)];
    const written = assembleReport({ scenario: "upgrade-path", versions: { old: "2.5.1", new: "3.0.1" }, checks: pathChecks(plain), hops: plain }, NOW);
    expect([written.verdict, written.acceptances]).to.deep.equal(["fail", null]);
    const rejudged = rejudgeReport(written, list(entry()), NOW);
    expect([rejudged.verdict, rejudged.counts]).to.deep.equal(["pass", { pass: 2, fail: 0, unknown: 0, accepted: 2 }]);
    expect(rejudged.acceptances!.entries[0]!.matched).to.deep.equal([`hop-1-${OLD_NODE}`, `hop-2-${OLD_NODE}`]);
  });

  it("compare: an accepted failure is no regression; a failure accepted in the baseline and not now is one", () => {
    const base = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "pass")]);
    const cur = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", SERVED_CORRECTLY)]);
    expect(compareReports(base, cur).regressions.map((f) => f.metric)).to.deep.equal(["verdict", `check:${OLD_NODE}`]);
    const accept = list(entry());
    const c = compareReports(rejudgeReport(base, accept, NOW), rejudgeReport(cur, accept, NOW));
    expect(c.verdict).to.equal("pass");
    expect(c.findings.find((f) => f.metric === `check:${OLD_NODE}`)).to.deep.include({ baseline: "pass", current: "accepted", regression: false,
      message: `${OLD_NODE} fails, accepted (baseline: pass) by entry 1: Kong does not enforce its rule` });
    const wrongNow = run([check("zero-failed-requests", "pass"), check(OLD_NODE, "fail", SERVED_WRONG)], accept);
    const regressed = compareReports(rejudgeReport(cur, accept, NOW), wrongNow);
    expect(regressed.regressions.map((f) => [f.metric, f.baseline, f.current])).to.deep.equal([["verdict", "pass", "fail"], [`check:${OLD_NODE}`, "accepted", "fail"]]);
    expect(regressed.notes).to.deep.equal([`accept entry 1 ${OLD_NODE} (old >=2.0 <3.0, message "Kong does not enforce the documented rule"): STALE: ${OLD_NODE} failed, but its message does not contain "Kong does not enforce the documented rule": another kind of failure; reason: Kong does not enforce its rule`]);
  });

  it("qualify: a pair whose only failure is accepted passes; an entry no pair matched is stale over the matrix", async () => {
    const accept = list(entry({ old: "2.5.x" }), entry({ check: "shared-rate-limit", message: undefined }));
    const runPair: PairRunner = async (pair, dir) => {
      const r = assembleReport({ scenario: "postgres-blue-green", versions: { old: pair.from, new: pair.target }, checks: [check(OLD_NODE, "fail", SERVED_CORRECTLY)], accept }, NOW);
      writeFileSync(join(dir, "report.json"), JSON.stringify(r));
      writeFileSync(join(dir, "expectations.json"), JSON.stringify({ baseline: {}, nodes: { blue: [], green: [] }, propagationBoundMs: 1 }));
      return { exitCode: r.verdict === "pass" ? 0 : 1 };
    };
    const res = await qualify({ target: "2.6.0", from: ["2.5.1", "2.4.1"], datastores: ["postgres"], imageTemplate: "kong-standin:{version}" },
      { outDir: mkdtempSync(join(tmpdir(), "kuh-qualify-accept-")), runPair, clock: new ManualClock(), now: () => NOW });
    const q = res.qualification;
    expect(q.pairs.map((p) => [p.id, p.verdict, p.counts, p.failedChecks.map((c) => c.id), p.acceptedChecks.map((c) => [c.id, c.entry])])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "pass", { pass: 0, fail: 0, unknown: 0, accepted: 1 }, [], [[OLD_NODE, 1]]],
      ["2.4.1-to-2.6.0-postgres", "fail", { pass: 0, fail: 1, unknown: 0, accepted: 0 }, [OLD_NODE], []],
    ]);
    expect(q.acceptances!.entries.map((e) => [e.state, e.matched])).to.deep.equal([["matched", [`2.5.1-to-2.6.0-postgres: ${OLD_NODE}`]], ["stale", []]]);
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/qualification.schema.json"), "utf8")) as Schema;
    expect(validate(schema, JSON.parse(readFileSync(res.files.json, "utf8")))).to.deep.equal([]);
    expect(readFileSync(res.files.markdown, "utf8")).to.contain(`| ✅ pass | 2.5.1 → 2.6.0 | postgres | postgres-blue-green | 0 failed / 1 accepted / 0 passed | (accepted: ${OLD_NODE}) |`);
    expect(readFileSync(res.files.html, "utf8")).to.contain('<li data-entry="2" data-state="stale">');
  });
});
