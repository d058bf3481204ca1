// Renders every human and CI format of a run from its directory: report.html (with the per-second
// timeline from requests.jsonl), junit.xml and summary.md, and appends the summary to a CI step
// summary file when given one. Reads files only; called at the end of every run and by `report`.
import { appendFileSync, existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES, readExpectations, requestsFile, type CheckExpectations } from "../checks/index.ts";
import { readReport, reportView, renderHtml, timelineSeries, type TimelineSeries } from "./html/index.ts";
import { hopSuites, renderJunit, suiteName } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { hopTimeline } from "./html/hops-section.ts";
import { hopAsReport } from "./path-report.ts";
import type { Report } from "./report.ts";

export const REPORT_FILES = { html: "report.html", junit: "junit.xml", markdown: "summary.md" } as const;

export interface RenderOptions {
  /** A file the Markdown summary is appended to (the CLI passes $GITHUB_STEP_SUMMARY). */
  readonly stepSummaryPath?: string;
}

export interface RenderedReports {
  readonly report: Report;
  readonly html: string;
  readonly junit: string;
  readonly markdown: string;
  /** Problems that did not stop rendering (e.g. no requests.jsonl: no timeline). */
  readonly warnings: readonly string[];
}

/** Writes a file atomically (tmp + rename), so a reader never sees half a report. */
export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** The last second the run covers: the end of its last phase (or start, when still open). */
const runSeconds = (r: Report): number => Math.max(0, ...r.phases.map((p) => (p.endMs ?? p.startMs) / 1000));

async function series(runDir: string, report: Report, warnings: string[]): Promise<{ series: TimelineSeries | null; expectations: CheckExpectations | null }> {
  let expectations: CheckExpectations | null = null;
  try {
    expectations = readExpectations(runDir);
  } catch (err) {
    warnings.push(`no timeline: ${err instanceof Error ? err.message : String(err)}`);
    return { series: null, expectations };
  }
  const file = join(runDir, RUN_FILES.requests);
  if (!existsSync(file)) {
    warnings.push(`no timeline: ${file} does not exist`);
    return { series: null, expectations };
  }
  return { series: await timelineSeries(requestsFile(file)(), expectations.baseline, runSeconds(report)), expectations };
}

/** Each hop's timeline from its own folder (a path's run); a hop without one is left out with a warning. */
async function hopTimelinesOf(runDir: string, report: Report, warnings: string[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const h of report.hops ?? []) {
    if (!h.ran) continue;
    const view = reportView(hopAsReport(h, report));
    const { series: hs, expectations } = await series(join(runDir, h.dir), view.report, warnings);
    if (hs) out.set(h.index, hopTimeline(view, h.index, hs, expectations?.nodes ?? { blue: [], green: [] }));
  }
  return out;
}

/**
 * Renders report.html, junit.xml and summary.md into `runDir` from its report.json (+ run files),
 * and appends summary.md to `stepSummaryPath` when given. Throws InvalidConfigError when
 * report.json is missing or unreadable.
 */
export async function renderReports(runDir: string, options: RenderOptions = {}): Promise<RenderedReports> {
  const report = readReport(join(runDir, RUN_FILES.report));
  const warnings: string[] = [];
  // A path's top level has no run files of its own: its hops' folders have them.
  const { series: s, expectations } = report.hops?.length ? { series: null, expectations: null } : await series(runDir, report, warnings);
  const nodes = expectations?.nodes ?? { blue: [], green: [] };
  const html = join(runDir, REPORT_FILES.html);
  const junit = join(runDir, REPORT_FILES.junit);
  const markdown = join(runDir, REPORT_FILES.markdown);
  const missing = warnings.find((w) => w.startsWith("no timeline: "))?.slice("no timeline: ".length);
  const hopTimelines = await hopTimelinesOf(runDir, report, warnings);
  const why = report.hops?.length ? "a path's timelines are drawn per hop, in Hops above" : missing;
  writeAtomic(html, renderHtml({ view: reportView(report), series: s, nodes, ...(why ? { seriesMissing: why } : {}), hopTimelines }));
  writeAtomic(junit, renderJunit(report.hops?.length ? hopSuites(report) : [{ name: suiteName(report), report }]));
  const md = renderMarkdown(report, { htmlPath: html });
  writeAtomic(markdown, md);
  if (options.stepSummaryPath) appendFileSync(options.stepSummaryPath, md);
  return { report, html, junit, markdown, warnings };
}
