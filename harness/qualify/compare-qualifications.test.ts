import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNight } from "../../test/qualify/nights.ts";
import { DEFAULT_THRESHOLDS } from "../report/compare.ts";
import { compareQualifications, qualificationComparisonMarkdown } from "./compare-qualifications.ts";

const dir = (): string => mkdtempSync(join(tmpdir(), "kuh-qcompare-"));

describe("compare: two qualifications", () => {
  const base = writeNight(dir(), "2027-01-01T02:17:00.000Z", {
    "2.5.1-to-2.6.0-postgres": { verdict: "pass", s: 30, p99: 10 },
    "2.4.1-to-2.6.0-postgres": { verdict: "fail", failed: ["admin-writes-propagated"] },
    "2.2.2-to-2.6.0-postgres": { verdict: "fail", failed: ["zero-failed-requests"] },
    "2.1.4-to-2.6.0-postgres": { verdict: "pass", s: 30, p99: 10 },
    "2.0.5-to-2.6.0-postgres": { verdict: "pass" },
  });
  const cur = writeNight(dir(), "2027-01-02T02:17:00.000Z", {
    "2.5.1-to-2.6.0-postgres": { verdict: "fail", failed: ["latency-parity"] },
    "2.4.1-to-2.6.0-postgres": { verdict: "pass" },
    "2.2.2-to-2.6.0-postgres": { verdict: "fail", failed: ["zero-failed-requests", "state-after-finish"] },
    "2.1.4-to-2.6.0-postgres": { verdict: "pass", s: 100, p99: 300 },
    "1.5.1-to-2.6.0-postgres": { verdict: "error" },
  });

  it("names the new failures, the fixed pairs, those still failing with checks newly failing, and what moved", () => {
    const c = compareQualifications(base, cur, DEFAULT_THRESHOLDS);
    expect(c.verdict).to.equal("regression");
    expect(c.newFailures.map((x) => x.message)).to.deep.equal([
      "2.5.1-to-2.6.0-postgres: pass -> fail (latency-parity)", "1.5.1-to-2.6.0-postgres: absent -> error (the datastore did not start)",
    ]);
    expect(c.fixed.map((x) => x.message)).to.deep.equal(["2.4.1-to-2.6.0-postgres: fail -> pass (was: admin-writes-propagated)"]);
    expect(c.stillFailing.map((x) => [x.id, x.newChecks])).to.deep.equal([["2.2.2-to-2.6.0-postgres", ["state-after-finish"]]]);
    expect(c.changes.map((x) => [x.id, x.metric, x.regression])).to.deep.equal([["2.1.4-to-2.6.0-postgres", "run-time", true], ["2.1.4-to-2.6.0-postgres", "p99", true]]);
    expect([c.added, c.removed]).to.deep.equal([["1.5.1-to-2.6.0-postgres"], ["2.0.5-to-2.6.0-postgres"]]);
    const md = qualificationComparisonMarkdown(c, "last night");
    expect(md).to.contain("### ❌ Regression against last night");
    expect(md).to.contain("| ❌ new failure | `2.5.1-to-2.6.0-postgres` | pass → fail | latency-parity |");
    expect(md).to.contain("| ✅ fixed | `2.4.1-to-2.6.0-postgres` | fail → pass |  |");
    expect(md).to.contain("| `2.1.4-to-2.6.0-postgres` | run-time | 30 s | 100 s | slower |");
  });

  it("the same qualification twice: no regression, nothing new, nothing fixed", () => {
    const c = compareQualifications(base, base, DEFAULT_THRESHOLDS);
    expect(c).to.deep.include({ verdict: "pass", newFailures: [], fixed: [], changes: [], added: [], removed: [] });
    expect(c.stillFailing.map((x) => [x.id, x.newChecks])).to.deep.equal([["2.4.1-to-2.6.0-postgres", []], ["2.2.2-to-2.6.0-postgres", []]]);
  });
});
