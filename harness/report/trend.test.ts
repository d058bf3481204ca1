import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNight, type NightPair } from "../../test/qualify/nights.ts";
import { trendHtml } from "./trend-html.ts";
import { buildTrend } from "./trend.ts";

const STEADY = "2.5.1-to-2.6.0-postgres";
const FLAKY = "2.4.1-to-2.6.0-postgres-chaos-during-shift";
const SLOWER = "2.2.2-to-2.6.0-postgres";
const NEW_FAILURE = "2.1.4-to-2.6.0-postgres";

/** Four nights, given out of order: one pair steady, one flipping, one slowing down, one failing from the last night on. */
function nights(): { dir: string; qualification: ReturnType<typeof writeNight> }[] {
  const root = mkdtempSync(join(tmpdir(), "kuh-trend-"));
  const night = (day: number, pairs: Record<string, NightPair>) => {
    const dir = join(root, `night-${day}`);
    return { dir, qualification: writeNight(dir, `2027-01-0${day}T02:17:00.000Z`, pairs) };
  };
  return [
    night(3, { [STEADY]: { verdict: "pass", s: 31 }, [FLAKY]: { verdict: "fail" }, [SLOWER]: { verdict: "pass", s: 40, p99: 30 }, [NEW_FAILURE]: { verdict: "pass" } }),
    night(1, { [STEADY]: { verdict: "pass", s: 30 }, [FLAKY]: { verdict: "pass" }, [SLOWER]: { verdict: "pass", s: 40, p99: 12 } }),
    night(4, { [STEADY]: { verdict: "pass", s: 30 }, [FLAKY]: { verdict: "pass" }, [SLOWER]: { verdict: "pass", s: 62, p99: 45 }, [NEW_FAILURE]: { verdict: "fail" } }),
    night(2, { [STEADY]: { verdict: "pass", s: 29 }, [FLAKY]: { verdict: "fail" }, [SLOWER]: { verdict: "pass", s: 41, p99: 14 } }),
  ];
}

describe("report trend: the model", () => {
  it("orders the nights by when they ran and gives each pair its verdict, run time and p99 per night", () => {
    const t = buildTrend(nights());
    expect(t.nights.map((n) => n.generatedAt.slice(0, 10))).to.deep.equal(["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]);
    expect(t.rows.map((r) => r.id)).to.deep.equal([STEADY, FLAKY, SLOWER, NEW_FAILURE]);
    const slower = t.rows[2]!;
    expect(slower.cells.map((c) => [c?.verdict, c?.durationMs, c?.p99Ms])).to.deep.equal([["pass", 40_000, 12], ["pass", 41_000, 14], ["pass", 40_000, 30], ["pass", 62_000, 45]]);
    expect(t.rows[1]!.scenario).to.equal("chaos-during-shift");
    expect(t.rows[3]!.cells[0], "a pair a night did not have").to.equal(null);
  });

  it("flags a pair that flips between pass and fail as flaky, not a steady one or a single new failure", () => {
    const t = buildTrend(nights());
    expect(t.rows.map((r) => [r.id, r.flaky, r.flips, r.passed, r.judged])).to.deep.equal([
      [STEADY, false, 0, 4, 4], [FLAKY, true, 2, 2, 4], [SLOWER, false, 0, 4, 4], [NEW_FAILURE, false, 1, 1, 2],
    ]);
  });

  it("flags a pair whose latest run time or p99 grew past the thresholds against the earlier nights' median as degrading", () => {
    const t = buildTrend(nights());
    expect(t.rows.map((r) => [r.id, r.degrading])).to.deep.equal([
      [STEADY, []], [FLAKY, []], [SLOWER, ["run time 40 s -> 62 s (median of 3 earlier nights)", "p99 14 ms -> 45 ms (median of 3 earlier nights)"]], [NEW_FAILURE, []],
    ]);
    // Two nights are not a trend.
    expect(buildTrend(nights().filter((n) => n.dir.endsWith("3") || n.dir.endsWith("4"))).rows.find((r) => r.id === SLOWER)!.degrading).to.deep.equal([]);
  });
});

describe("report trend: the page", () => {
  it("renders one self-contained page: a column per night, a cell per pair and night, flaky and degrading pairs first", () => {
    const html = trendHtml(buildTrend(nights()));
    expect(html).to.contain(`<body data-nights="4" data-flaky="1" data-degrading="1">`);
    expect(html).to.contain("default-src 'none'");
    expect(html).to.not.match(/<script|https?:\/\/|<link /);
    const order = [...html.matchAll(/<tr data-pair="([^"]+)"/g)].map((m) => m[1]);
    expect(order).to.deep.equal([FLAKY, SLOWER, STEADY, NEW_FAILURE]);
    const row = (id: string): string => html.slice(html.indexOf(`<tr data-pair="${id}"`), html.indexOf("</tr>", html.indexOf(`<tr data-pair="${id}"`)));
    expect([...row(FLAKY).matchAll(/data-verdict="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(["pass", "fail", "fail", "pass"]);
    expect(row(FLAKY)).to.contain('<span class="flag flaky">FLAKY</span>');
    expect(row(SLOWER)).to.contain('<span class="flag degrading">DEGRADING</span>');
    expect(row(SLOWER)).to.contain("<div>62 s · p99 45 ms</div>");
    expect(row(NEW_FAILURE)).to.contain('<td class="absent" data-verdict="absent">–</td>');
    expect(row(NEW_FAILURE)).to.contain('title="zero-failed-requests"');
    expect(html).to.contain("STAND-IN IMAGES.");
  });
});
