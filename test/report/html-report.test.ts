// report.html of demo runs: one passing (the demo pair without key rotation), one failing on a fault
// switch, one failing on the demo pair's revoked-key finding (key rotation on, the default): rendered
// by `report <dir>` and checked against the run's own data (verdict, failed checks, and a timeline
// whose series are the per-second counts of requests.jsonl), then loaded in headless Chromium: no
// console error or exception, every section laid out with its heading, no dangling in-page link,
// every chart drawing data points; the screenshot is kept next to the report (report.png).
import { expect } from "chai";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { runCli } from "../support/cli.ts";
import type { LoadedPage } from "./support/chromium.ts";
import { pngSize } from "./support/chromium.ts";
import { readReportPage, type ReportPage } from "./support/report-page.ts";
import { demoRuns } from "./support/runs.ts";

/** The sections of a blue/green run's page, in order: a missing one fails the page. */
const SECTIONS = ["verdict", "failed-checks", "timeline", "checks", "parity", "steps", "phases", "admin", "migrations", "schema", "logs", "images"];
/** The timeline's charts: each must draw data points. */
const CHARTS = ["phase-strip", "chart-weight", "chart-requests", "chart-failures", "chart-latency", "chart-lag"];

interface ReportJson { verdict: string; standin: boolean; phases: unknown[]; checks: { id: string; status: string; data?: { total?: number; failed?: number } }[] }

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const tagOf = (html: string, re: RegExp): string => {
  const m = re.exec(html);
  if (!m) throw new Error(`no element matching ${re} in report.html`);
  return m[0];
};
const values = (tag: string): number[] => (attr(tag, "data-values") ?? "").split(",").map((v) => (v === "" ? 0 : Number(v)));
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Per-second count of the load's requests, computed here from requests.jsonl (not by the harness). */
function perSecond(runDir: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(join(runDir, "requests.jsonl"), "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { startMs: number; source?: string };
    if (r.source !== undefined && r.source !== "load") continue;
    const s = Math.floor(r.startMs / 1000);
    while (out.length <= s) out.push(0);
    out[s]! += 1;
  }
  return out;
}

/** A failing run's report must show these failed checks, and its page each of `shows`. */
interface Failing { readonly title: string; readonly failed: readonly string[]; readonly shows?: readonly RegExp[] }

function checkReport(label: "pass" | "fail", dir: () => string, failing?: Failing): void {
  describe(`report.html of a ${label === "pass" ? "passing run" : `failing run (${failing?.title ?? "?"})`}`, function () {
    let html: string;
    let report: ReportJson;

    before(async function () {
      const r = await runCli(["report", dir(), "--no-step-summary"]);
      expect(r.code, r.stderr).to.equal(label === "pass" ? 0 : 1);
      html = readFileSync(join(dir(), "report.html"), "utf8");
      report = JSON.parse(readFileSync(join(dir(), "report.json"), "utf8")) as ReportJson;
    });

    it("is self-contained and small", () => {
      expect(statSync(join(dir(), "report.html")).size).to.be.below(2 * 1024 * 1024);
      expect(html).not.to.match(/<script|<link|<img|<iframe|@import|url\((?!#)/i);
      const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      expect(refs.filter((r) => !r.startsWith("#")), "only in-page links").to.deep.equal([]);
    });

    it(`shows the verdict ${label.toUpperCase()} and the stand-in banner at the top`, () => {
      expect(report.verdict).to.equal(label);
      const verdict = tagOf(html, /<section id="verdict"[^>]*>/);
      expect(attr(verdict, "data-verdict")).to.equal(label);
      expect(html.indexOf('id="verdict"')).to.be.below(html.indexOf('id="timeline"'));
      expect(html).to.contain(label === "pass" ? "✔ PASS" : "✘ FAIL");
      expect(report.standin).to.equal(true);
      expect(html).to.match(/id="standin-banner"[^>]*><strong>STAND-IN IMAGES\.<\/strong>/);
    });

    it("lists exactly the checks that did not pass, with their messages", () => {
      const shown = [...html.matchAll(/<article class="check [a-z]+" data-check="([^"]+)" data-status="([a-z]+)">/g)].map((m) => `${m[1]}:${m[2]}`);
      const expected = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}:${c.status}`);
      expect(shown).to.deep.equal(expected);
      if (label === "fail") expect(shown).to.include.members((failing?.failed ?? []).map((id) => `${id}:fail`));
      else expect(html).to.contain("None: every check passed.");
      for (const re of failing?.shows ?? []) expect(html).to.match(re);
    });

    it("draws the timeline from requests.jsonl: one point per second, totals equal to the report's", () => {
      const zero = report.checks.find((c) => c.id === "zero-failed-requests")!.data!;
      const section = tagOf(html, /<section id="timeline"[^>]*>/);
      const seconds = Number(attr(section, "data-seconds"));
      expect(Number(attr(section, "data-total-requests"))).to.equal(zero.total);
      expect(Number(attr(section, "data-total-failures"))).to.equal(zero.failed);
      const total = tagOf(html, /<path data-series="requests-total"[^>]*>/);
      expect(Number(attr(total, "data-points"))).to.equal(seconds);
      expect((attr(total, "d") ?? "").match(/[ML]/g)?.length).to.equal(seconds);
      const counted = perSecond(dir());
      expect(values(total)).to.deep.equal([...counted, ...Array<number>(seconds - counted.length).fill(0)]);
      expect(sum(values(total))).to.equal(zero.total);
      const failures = tagOf(html, /<g data-series="failures-total"[^>]*>/);
      expect(sum(values(failures))).to.equal(zero.failed);
      // Drawn from the values: the busiest second is the highest point (smallest y).
      const ys = [...(attr(total, "d") ?? "").matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
      const vs = values(total);
      expect(ys[vs.indexOf(Math.max(...vs))]).to.equal(Math.min(...ys));
      expect([...html.matchAll(/<g data-phase="/g)].length).to.equal(report.phases.length);
      for (const id of ["chart-weight", "chart-requests", "chart-failures", "chart-latency", "chart-lag"]) expect(html).to.contain(`id="${id}"`);
    });

    it("shows parity with the old version: response differences and both latency distributions per route and per step", () => {
      const section = /<section id="parity"><h2>Parity with the old version<\/h2>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? "";
      expect(section).to.match(/Responses: old and new answering the same requests \([1-9]\d* samples\)/);
      const parity = report.checks.find((c) => c.id === "response-parity")!;
      if (parity.status === "pass") expect(section).to.contain("No difference beyond the old nodes&#39; own noise and the documented ones.");
      expect(section).to.match(/Latency: new beside old in the same seconds, while both served/);
      expect(section).to.match(/<td>all routes<\/td>/);
      expect(section).to.match(/<h4>Per shift step<\/h4>/);
      expect(html).to.contain('<a href="#parity">parity</a>');
    });

    describe("in headless Chromium", function () {
      this.timeout(90_000);
      const slug = label === "pass" ? "passing-run" : `failing-run-${(failing?.title ?? "").replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase()}`;
      let page: Promise<LoadedPage<ReportPage>> | undefined;
      /** One load per report, shared by the tests below (a failed load fails each of them). */
      const loaded = (): Promise<LoadedPage<ReportPage>> => (page ??= readReportPage(join(dir(), "report.html"), join(dir(), "report.png")));

      it("loads without a console error or exception", async () => {
        const { errors, messages } = await loaded();
        expect(errors.map((e) => `${e.source}: ${e.text}`), `every message:\n${messages.map((m) => `${m.level} ${m.source}: ${m.text}`).join("\n")}`).to.deep.equal([]);
      });

      it("lays out every section with its heading, and every in-page link has its target", async () => {
        const { sections, brokenLinks } = (await loaded()).inspected;
        expect(sections.map((x) => x.id)).to.deep.equal(SECTIONS);
        for (const x of sections) {
          expect(x.height, `section #${x.id} takes no space`).to.be.above(0);
          if (x.id !== "verdict") expect(x.heading, `section #${x.id} has no heading`).to.be.a("string").and.not.equal("");
        }
        expect(brokenLinks, "links to no element").to.deep.equal([]);
      });

      it("draws data points in every chart", async () => {
        const { charts } = (await loaded()).inspected;
        expect(charts.map((c) => c.id)).to.deep.equal(CHARTS);
        for (const c of charts) {
          expect(c.points, `chart #${c.id} drew no data point`).to.be.above(0);
          expect(c.drawnWidth, `chart #${c.id}: nothing it drew is visible`).to.be.above(0);
        }
      });

      it("keeps the screenshot as report.png next to the report, and a copy where CI uploads artifacts", async () => {
        await loaded();
        const buf = readFileSync(join(dir(), "report.png"));
        expect(pngSize(buf)).to.deep.equal({ width: 1400, height: 3000 });
        expect(buf.length, "a blank page compresses to a few KB").to.be.above(50_000);
        // CI uploads reports/runs/ (.github/workflows/ci.yml); the demo runs' folders are temporary.
        const kept = join(PROJECT_ROOT, "reports/runs/html-report-screenshots", `${slug}.png`);
        mkdirSync(dirname(kept), { recursive: true });
        copyFileSync(join(dir(), "report.png"), kept);
        process.stdout.write(`        [screenshot] ${kept}\n`);
      });
    });
  });
}

describe("HTML report (demo runs against stand-ins)", function () {
  this.timeout(600_000);
  let pass = "";
  let fail = "";
  let finding = "";
  before(async () => ({ pass, fail, finding } = await demoRuns()));
  checkReport("pass", () => pass);
  checkReport("fail", () => fail, { title: "2% proxy 5xx on green-1", failed: ["zero-failed-requests"] });
  checkReport("fail", () => finding, {
    title: "the demo pair's revoked keys",
    failed: ["admin-writes-propagated", "state-after-finish"],
    // The revoked key, where it still works, and the cause, on the page itself.
    shows: [/\(delete keyauth_credentials\/key-\d+ via blue-\d [^)]*\) never seen on green-1, green-2/, /likely cause: Kong 2\.1&#39;s cache-key change/,
      /keyauth_credentials\/key-\d+ on green-\d \(seen: status 200\)/],
  });
});
