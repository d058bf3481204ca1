// A path's report: hop entries from each hop's recorded input, the prefixed top-level checks, and
// the renderers' hop sections (JUnit suites per hop, Markdown rows, HTML sections).
import { expect } from "chai";
import type { CheckResult } from "../checks/index.ts";
import { hopsSection } from "./html/hops-section.ts";
import { hopsMarkdown } from "./hops-markdown.ts";
import { hopSuites, renderJunit } from "./junit.ts";
import { hopReport, pathChecks, type HopReport } from "./path-report.ts";
import { renderMarkdown } from "./markdown.ts";
import { assembleReport, REPORT_SCHEMA_VERSION, standinRefs } from "./report.ts";

const check = (id: string, status: CheckResult["status"]): CheckResult => ({ id, status, message: `${id} says ${status}`, evidence: [`${id} evidence`], data: { big: [1, 2, 3] } });
const ran = (index: number, from: string, to: string, checks: CheckResult[]): HopReport =>
  hopReport({ index, from, to, procedure: "postgres-blue-green", dir: `hop-${index}`, failedStep: null },
    { scenario: "postgres-blue-green", checks, versions: { old: from, new: to }, images: [{ role: "old", ref: `kong-standin:${from}`, standin: true }] });
const notRun = hopReport({ index: 2, from: "2.8.x", to: "3.0.1", procedure: "postgres-blue-green", dir: "hop-2", failedStep: null }, { errors: ["not run: hop 1 did not complete (shift: aborted)"] }, false);

describe("path report", () => {
  it("a hop entry is its own report with where it went and how, its verdict from its checks", () => {
    const h = ran(1, "2.5.1", "2.8.5", [check("zero-failed-requests", "pass"), check("old-node-refuses-after-finish", "fail")]);
    expect(h).to.include({ index: 1, from: "2.5.1", to: "2.8.5", procedure: "postgres-blue-green", dir: "hop-1", failedStep: null, ran: true, verdict: "fail", standin: true });
    expect(h.counts).to.deep.equal({ pass: 1, fail: 1, unknown: 0, accepted: 0 });
    expect(Object.keys(h)).to.not.include.members(["schemaVersion", "runId", "generatedAt", "recheckedAt", "hops"]);
  });

  it("top-level checks: each hop's, prefixed, without data; a hop with no check is one unknown", () => {
    const checks = pathChecks([ran(1, "2.5.1", "2.8.5", [check("zero-failed-requests", "pass"), check("old-node-refuses-after-finish", "fail")]), notRun]);
    expect(checks).to.deep.equal([
      { id: "hop-1-zero-failed-requests", status: "pass", message: "zero-failed-requests says pass", evidence: ["zero-failed-requests evidence"] },
      { id: "hop-1-old-node-refuses-after-finish", status: "fail", message: "old-node-refuses-after-finish says fail", evidence: ["old-node-refuses-after-finish evidence"] },
      { id: "hop-2-checks-ran", status: "unknown", message: "hop 2 (2.8.x -> 3.0.1): not run: hop 1 did not complete (shift: aborted)", evidence: ["not run: hop 1 did not complete (shift: aborted)"] },
    ]);
  });

  it("schema v2+: `hops` only in a path's report; the path fails unless every hop's checks pass", () => {
    expect(REPORT_SCHEMA_VERSION).to.be.at.least(2);
    expect(assembleReport({ checks: [check("a", "pass")] })).to.not.have.property("hops");
    const good = [ran(1, "2.5.1", "2.8.5", [check("a", "pass")]), ran(2, "2.8.5", "3.0.1", [check("a", "pass")])];
    expect(assembleReport({ checks: pathChecks(good), hops: good }).verdict).to.equal("pass");
    const stopped = [good[0]!, notRun];
    expect(assembleReport({ checks: pathChecks(stopped), hops: stopped }).verdict).to.equal("fail");
  });

  it("renderers: a JUnit suite per hop with prefixed case names, a Markdown row and an HTML section per hop", () => {
    const hops = [ran(1, "2.5.1", "2.8.5", [check("a", "pass"), check("b", "fail")]), notRun];
    const report = assembleReport({ scenario: "upgrade-path", checks: pathChecks(hops), hops });
    const xml = renderJunit(hopSuites(report));
    expect(xml.match(/<testsuite name="[^"]*"/g)).to.deep.equal(['<testsuite name="hop 1: postgres-blue-green 2.5.1 -&gt; 2.8.5"', '<testsuite name="hop 2: postgres-blue-green"']);
    expect(xml.match(/<testcase [^>]* name="[^"]*"/g)?.map((t) => / name="([^"]*)"/.exec(t)![1])).to.deep.equal(["hop-1-a", "hop-1-b", "hop-2-checks-ran"]);
    expect(hopsMarkdown(report).slice(2, 4)).to.deep.equal([
      "| 1 | 2.5.1 → 2.8.5 | postgres-blue-green | ❌ fail | 1 failed, 0 unknown, 1 passed | – |",
      "| 2 | 2.8.x → 3.0.1 | postgres-blue-green | ❌ fail | not run | – |",
    ]);
    const html = hopsSection(report);
    expect(html.match(/<section id="hop-\d"[^>]*>/g)).to.deep.equal([
      '<section id="hop-1" class="hop" data-hop="1" data-verdict="fail" data-ran="true">', '<section id="hop-2" class="hop" data-hop="2" data-verdict="fail" data-ran="false">',
    ]);
    expect(hopsSection(assembleReport({ checks: [check("a", "pass")] }))).to.equal("");
    expect(hopsMarkdown(assembleReport({}))).to.deep.equal([]);
  });
});

describe("stand-in banner of a path", () => {
  it("names the middle version once, though it was one hop's new image and the next hop's old", () => {
    const images = [
      { role: "old", ref: "kong-standin:2.5.1", standin: true }, { role: "new", ref: "kong-standin:2.8.5", standin: true },
      { role: "old", ref: "kong-standin:2.8.5", standin: true }, { role: "new", ref: "kong-standin:3.0.1", standin: true },
    ] as const;
    const report = assembleReport({ scenario: "path", images: [...images] });
    expect(standinRefs(report)).to.deep.equal(["kong-standin:2.5.1", "kong-standin:2.8.5", "kong-standin:3.0.1"]);
    expect(renderMarkdown(report)).to.include("(`kong-standin:2.5.1`, `kong-standin:2.8.5`, `kong-standin:3.0.1`)");
  });
});
