import { expect } from "chai";
import { assembleReport } from "./report.ts";
import { renderJunit, suiteName, xmlEscape } from "./junit.ts";

describe("renderJunit", () => {
  const report = assembleReport({
    scenario: "postgres-blue-green", versions: { old: "1.5.1", new: "2.6.0" },
    checks: [
      { id: "a", status: "pass", message: "fine", evidence: [] },
      { id: "b", status: "fail", message: 'bad <thing> & "quotes"', evidence: ["line 1", "line\u0001 2"] },
      { id: "c", status: "unknown", message: "no data", evidence: [] },
    ],
  }, new Date(0));

  it("writes one test case per check: failure for fail, error for unknown", () => {
    const xml = renderJunit([{ name: suiteName(report), report }]);
    expect(xml.match(/<testcase /g)).to.have.length(3);
    expect(xml).to.contain('<testsuites name="kong-upgrade-harness" tests="3" failures="1" errors="1"');
    expect(xml).to.contain('<testsuite name="postgres-blue-green 1.5.1 -&gt; 2.6.0" tests="3" failures="1" errors="1"');
    expect(xml).to.contain('<failure message="bad &lt;thing&gt; &amp; &quot;quotes&quot;" type="fail">bad &lt;thing&gt; &amp; &quot;quotes&quot;\n\nline 1\nline 2</failure>');
    expect(xml).to.contain('<error message="no data" type="unknown">');
  });

  it("reports a run where no check ran as one error case, never an empty green suite", () => {
    const empty = assembleReport({ interrupted: true, interruptReason: "SIGINT" }, new Date(0));
    const xml = renderJunit([{ name: suiteName(empty), report: empty }]);
    expect(xml).to.contain('name="checks-ran"');
    expect(xml).to.contain('<error message="no check ran: SIGINT" type="unknown">');
  });

  it("escapes XML and drops characters XML 1.0 cannot carry", () => {
    expect(xmlEscape("a\u0000b<'>")).to.equal("ab&lt;&apos;&gt;");
  });
});
