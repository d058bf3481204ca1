// What a reader of report.html sees, read from the page as headless Chromium rendered it: its
// sections (laid out, with a heading), its in-page links, and the data points each chart drew.
// Charts are inline SVG drawn by harness/report/html/svg.ts (no script): a line series is a
// <path data-series> whose `d` holds one "M/L x y" per second with data, bars and points are
// shapes inside a <g data-series>, the phase strip a <g data-phase> per phase.
import { loadPage, type LoadedPage } from "./chromium.ts";

export interface SectionView { readonly id: string; readonly heading: string | null; readonly height: number }
export interface ChartView {
  readonly id: string;
  readonly height: number;
  /** Coordinates drawn by line series plus shapes drawn by bar and point series, plus phase bands. */
  readonly points: number;
  /** Width of the box around everything the series drew (0: nothing visible). */
  readonly drawnWidth: number;
}
export interface ReportPage {
  readonly sections: readonly SectionView[];
  readonly brokenLinks: readonly string[];
  readonly charts: readonly ChartView[];
}

/** Evaluated in the page: plain browser JavaScript returning JSON. */
const INSPECT = `(() => {
  const sections = [...document.querySelectorAll("body > section[id]")].map((s) => ({
    id: s.id, heading: s.querySelector(":scope > h2")?.textContent ?? null, height: s.getBoundingClientRect().height }));
  const brokenLinks = [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute("href"))
    .filter((href) => !document.getElementById(href.slice(1)));
  const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
    const drawn = [...svg.querySelectorAll("[data-series], [data-phase]")];
    let points = 0, left = Infinity, right = -Infinity;
    for (const el of drawn) {
      points += el.tagName === "path"
        ? ((el.getAttribute("d") || "").match(/[ML]-?[0-9.]+ -?[0-9.]+/g) || []).length
        : el.querySelectorAll("rect, circle, path").length;
      const r = el.getBoundingClientRect();
      if (r.width > 0 || r.height > 0) { left = Math.min(left, r.left); right = Math.max(right, r.right); }
    }
    return { id: svg.id, height: svg.getBoundingClientRect().height, points, drawnWidth: right > left ? right - left : 0 };
  });
  return { sections, brokenLinks, charts };
})()`;

/** Loads report.html in headless Chromium, saves the screenshot to png, and reads the page. */
export function readReportPage(htmlFile: string, png: string): Promise<LoadedPage<ReportPage>> {
  return loadPage<ReportPage>(htmlFile, { inspect: INSPECT, png });
}
