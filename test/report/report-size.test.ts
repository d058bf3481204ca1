// report.html of a long run: a 10-minute run at the default rate (200 requests/s, 2+2 nodes, the
// default weight plan, Admin writes at the scenario's pace), built from the real record shapes,
// re-checked and rendered as every run is. The page must stay under 2 MB and readable (the lag
// chart condensed), and condensing must lose no failure: every failed request is counted in its
// second, every phase and step marker is drawn, every late write is plotted and every write with a
// problem is in the Admin table.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXPECTATIONS } from "../../harness/checks/testing.ts";
import { MAX_LAG_POINTS } from "../../harness/report/html/charts.ts";
import { recheck, renderReports } from "../../harness/report/index.ts";
import { writeLongRun, type LongRunFacts } from "./support/long-run.ts";

const MAX_BYTES = 2 * 1024 * 1024;
const attr = (html: string, re: RegExp): string => { const m = re.exec(html); expect(m, String(re)).to.not.equal(null); return m![1]!; };
const section = (html: string, id: string): string => html.slice(html.indexOf(`<section id="${id}"`), html.indexOf("</section>", html.indexOf(`<section id="${id}"`)));
const svg = (html: string, id: string): string => html.slice(html.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" id="${id}"`), html.indexOf("</svg>", html.indexOf(`id="${id}"`)));

describe("report.html of a 10-minute run", function () {
  this.timeout(120_000);
  let dir: string;
  let facts: LongRunFacts;
  let html: string;
  let bytes: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kuh-long-run-"));
    facts = await writeLongRun(dir, 10);
    await recheck(dir);
    const r = await renderReports(dir);
    bytes = statSync(r.html).size;
    html = readFileSync(r.html, "utf8");
    process.stdout.write(`      [report size] ${facts.requests} requests, ${facts.writes} Admin writes: report.html ${(bytes / 1024).toFixed(0)} KiB, report.json ${(statSync(join(dir, "report.json")).size / 1024).toFixed(0)} KiB\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is a 10-minute run at the default rate with failures in it", () => {
    expect(facts.requests).to.be.greaterThan(115_000);
    expect(Number(attr(html, /<section id="timeline" data-seconds="(\d+)"/))).to.equal(600);
    expect(facts.failedRequests).to.be.greaterThan(100);
    expect(html).to.contain('<body data-verdict="fail"');
  });

  it(`stays under ${MAX_BYTES / 1024 / 1024} MB`, () => {
    expect(bytes).to.be.lessThan(MAX_BYTES);
  });

  it("counts every failed request in its second", () => {
    expect(Number(attr(html, /data-total-failures="(\d+)"/))).to.equal(facts.failedRequests);
    const perSecond = attr(svg(html, "chart-failures"), /data-series="failures-total"[^>]*data-values="([^"]*)"/).split(",").map((v) => (v === "" ? 0 : Number(v)));
    expect(perSecond.reduce((a, b) => a + b, 0)).to.equal(facts.failedRequests);
    for (const t of facts.failedAtMs) expect(perSecond[Math.floor(t / 1000)], `second ${Math.floor(t / 1000)}`).to.be.greaterThan(0);
  });

  it("draws every phase and step marker on every chart", () => {
    const strip = svg(html, "phase-strip");
    for (const p of facts.phases) expect(strip, p).to.contain(`data-phase="${p}"`);
    for (const id of ["chart-weight", "chart-requests", "chart-failures", "chart-latency", "chart-lag"]) {
      const markers = [...svg(html, id).matchAll(/data-marker="([^"]+)"/g)].map((m) => m[1]);
      expect(markers, id).to.deep.equal([...facts.phases, ...facts.steps.map((w) => `step ${w}%`)]);
    }
  });

  it("condenses the lag chart to a readable number of points, keeping every late one", () => {
    const lag = svg(html, "chart-lag");
    const counts = [...lag.matchAll(/data-count="(\d+)" data-total="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(counts).to.have.length(2);
    const total = counts.reduce((a, [, t]) => a + t!, 0);
    expect(total).to.be.greaterThan(3_000);
    for (const [drawn] of counts) expect(drawn).to.be.at.most(MAX_LAG_POINTS + facts.lateWrites.length);
    const late = [...lag.matchAll(/visible on (\S+) after (\d+) ms/g)].filter((m) => Number(m[2]) > EXPECTATIONS.propagationBoundMs).map((m) => m[1]);
    expect(late).to.deep.equal(facts.lateWrites.filter((w) => !facts.failedWrites.includes(w)).map(() => "green-2"));
    expect(lag).to.match(/\(\d+ of \d+ points drawn: every point above the bound/);
    expect(html).to.match(/<p class="muted" id="lag-condensed">Propagation lag: \d+ of \d+ points drawn/);
  });

  it("lists every Admin write with a problem, beyond the table's first rows", () => {
    const admin = section(html, "admin");
    for (const id of [...facts.lateWrites, ...facts.failedWrites]) expect(admin, id).to.contain(`<code>${id.split(":").pop()}</code>`);
    expect(facts.lateWrites.some((id) => Number(id.split("/w").pop()) > 400), "a late write past row 400").to.equal(true);
  });
});
