// report.html's section for a multi-hop path: one row per hop (versions, procedure, verdict,
// counts, failed step), then each hop's checks and migration commands. Empty for a single run.
import { countsText } from "../accepted.ts";
import type { HopReport } from "../path-report.ts";
import type { Report } from "../report.ts";
import { timelineCharts } from "./charts.ts";
import { badge, esc, secText, table } from "./html.ts";
import type { ReportView } from "./report-view.ts";
import type { TimelineSeries } from "./timeline-data.ts";

/**
 * One hop's timeline charts (from its own requests.jsonl), their element ids prefixed by the hop so
 * that several hops' charts live in one page.
 */
export function hopTimeline(hop: ReportView, index: number, series: TimelineSeries, nodes: { readonly blue: readonly string[]; readonly green: readonly string[] }): string {
  const html = timelineCharts({ series, phases: hop.report.phases, steps: hop.report.steps, writes: hop.admin?.history ?? [], nodes, boundMs: hop.admin?.boundMs ?? null });
  return html.replace(/\bid="/g, `id="hop-${index}-`).replace(/url\(#/g, `url(#hop-${index}-`).replace(/href="#/g, `href="#hop-${index}-`);
}

const versions = (h: HopReport): string => `${h.versions.old ?? h.from} → ${h.versions.new ?? h.to}`;

function hopBlock(h: HopReport, timeline?: string): string {
  const checks = h.checks.map((c) => [badge(c.status), `<code>${esc(c.id)}</code>`, esc(c.message)]);
  const migrations = h.migrations.map((m) => [esc(m.f), `<code>${esc(m.image)}</code>`, esc(m.phase), m.exitCode === null ? "–" : String(m.exitCode), m.problems.length ? esc(m.problems.join("; ")) : "–"]);
  const notes = [
    ...(h.ran ? [] : [`<p class="banner error">Not run.</p>`]),
    ...(h.failedStep ? [`<p class="banner error"><strong>Step failed:</strong> ${esc(h.failedStep)}</p>`] : []),
    ...h.errors.map((e) => `<p class="muted">${esc(e)}</p>`),
  ];
  return `<section id="hop-${h.index}" class="hop" data-hop="${h.index}" data-verdict="${h.verdict}" data-ran="${h.ran}">`
    + `<h3>${badge(h.verdict)} Hop ${h.index}: ${esc(versions(h))} (${esc(h.procedure)})</h3>${notes.join("")}`
    + (checks.length ? table(["status", "check", "message"], checks, { cls: "checks" }) : "<p>No checks ran.</p>")
    + (timeline ? `<details open><summary>Timeline of hop ${h.index}</summary>${timeline}</details>` : "")
    + (migrations.length ? `<details><summary>Migration commands (${migrations.length})</summary>${table(["command", "image", "phase", "exit", "problems"], migrations)}</details>` : "")
    + `</section>`;
}

/** The hops of a path report; "" for a single run. */
export function hopsSection(report: Report, timelines: ReadonlyMap<number, string> = new Map()): string {
  const hops = report.hops ?? [];
  if (hops.length === 0) return "";
  const rows = hops.map((h) => [String(h.index), esc(versions(h)), esc(h.procedure), badge(h.verdict),
    esc(countsText(h.counts, Boolean(h.acceptances))), secText(h.timings.durationMs), esc(h.failedStep ?? (h.ran ? "–" : "not run"))]);
  return `<section id="hops"><h2>Hops (${hops.length})</h2><p class="muted">One datastore for the whole path: each hop's old cluster is the previous hop's new version, serving the data carried forward. Each hop's raw files are in its folder (${hops.map((h) => esc(h.dir)).join(", ")}).</p>`
    + table(["hop", "versions", "procedure", "verdict", "checks", "run time", "failed step"], rows, { numeric: [0] })
    + hops.map((h) => hopBlock(h, timelines.get(h.index))).join("\n") + `</section>`;
}
