// report.html: one self-contained document (inline CSS and SVG, no script, no external asset, no
// network). Verdict, banners and failed checks come first: what a release engineer reads first.
import { timelineCharts } from "./charts.ts";
import { esc, num } from "./html.ts";
import type { ReportView } from "./report-view.ts";
import {
  acceptedSection, adminSection, banners, checksTable, failedChecks, imagesSection, logsSection, migrationsSection, phasesTable, schemaSection, stepsTable, title, verdictBlock,
} from "./sections.ts";
import { paritySection } from "./parity-section.ts";
import type { TimelineSeries } from "./timeline-data.ts";
import { hopsSection } from "./hops-section.ts";
import { faultMarkers, faultStrip, faultsSection } from "./faults-section.ts";

export interface HtmlInput {
  readonly view: ReportView;
  /** Per-second series from requests.jsonl; null when the file is not there. */
  readonly series: TimelineSeries | null;
  readonly nodes: { readonly blue: readonly string[]; readonly green: readonly string[] };
  /** Why there is no timeline, when series is null. */
  readonly seriesMissing?: string;
  /** A path's per-hop timeline charts, by hop index (see hopTimeline). */
  readonly hopTimelines?: ReadonlyMap<number, string>;
}

const CSS = `
:root{--fail:#D55E00;--pass:#009E73;--unknown:#E69F00;--ink:#1a1a1a;--muted:#666}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;max-width:1260px;padding:16px 24px}
h1{font-size:20px;margin:4px 0 12px}h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}h3{font-size:15px;margin:8px 0 4px}h4{margin:8px 0 2px;font-size:13px}
.verdict{display:flex;gap:20px;align-items:center;padding:12px 16px;border:3px solid;border-radius:6px}
.verdict.pass{border-color:var(--pass);background:#e9f7f2}.verdict.fail{border-color:var(--fail);background:repeating-linear-gradient(135deg,#fff3ec 0 12px,#ffe6d9 12px 24px)}
.verdict.error{border-color:#444;border-style:dashed;background:repeating-linear-gradient(45deg,#f0f0f0 0 10px,#fff 10px 20px)}
.verdict-word{font-size:30px;font-weight:800;letter-spacing:1px}.verdict.fail .verdict-word{color:var(--fail)}.verdict.error .verdict-word{color:#222}.verdict.pass .verdict-word{color:#00704f}.verdict-title{font-size:17px;font-weight:600}
.muted{color:var(--muted);font-size:12px}.banner{margin:10px 0;padding:10px 14px;border:2px dashed #000;border-radius:4px;font-size:15px}
.banner.standin{background:#fff4cc;border-color:#8a6d00}.banner.interrupted,.banner.error{background:#fde8e0;border-color:var(--fail)}
.badge{display:inline-block;min-width:64px;text-align:center;font-weight:700;font-size:12px;padding:1px 6px;border-radius:3px;border:1.5px solid}
.badge.error{color:#fff;background:#444;border-color:#444}.badge.accepted{color:#5b3a00;background:#f3ead8;border-color:#8a6d00;border-style:dotted}.check.accepted{border-left:5px dotted #8a6d00;background:#fbf8f1}.state.stale,.state.expired{font-weight:700}.badge.pass{color:#00704f;border-color:var(--pass)}.badge.fail{color:#fff;background:var(--fail);border-color:var(--fail)}.badge.unknown{color:#000;background:repeating-linear-gradient(45deg,#ffe3a3 0 4px,#fff 4px 8px);border-color:var(--unknown)}
.check{border-left:5px solid var(--fail);padding:4px 12px;margin:10px 0;background:#fffaf7}.check.unknown{border-left:5px dashed var(--unknown)}
pre{background:#f6f6f6;border:1px solid #ddd;padding:8px;overflow:auto;max-height:420px;font-size:12px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:8px 0;font-size:13px;width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.writes td{font-size:12px}details{margin:6px 0;border:1px solid #ddd;border-radius:4px;padding:4px 8px}details.bad{border-color:var(--fail)}summary{cursor:pointer}
.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px}.chart text{font-family:system-ui,sans-serif}.tick{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.legend{font-size:12px;fill:#222}.end-label{font-size:11px;font-weight:600}.grid{stroke:#e3e3e3;stroke-width:1}.axis{stroke:#333;stroke-width:1}
.marker-phase{stroke:#777;stroke-width:1;stroke-dasharray:3 3}.marker-fault{stroke:#D55E00;stroke-width:1.5;stroke-dasharray:6 2}.marker-step{stroke:#000;stroke-width:1;stroke-dasharray:1 3}.ref-line{stroke:#555;stroke-width:1.5;stroke-dasharray:10 3 2 3}
.phase-label{font-size:11px;fill:#222}.step-label{font-size:10px;font-weight:700;fill:#000}.ok-text{color:#00704f;font-weight:600}
nav a{margin-right:12px}footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{body{max-width:none;padding:0}details{break-inside:avoid}details>*{display:block}pre{max-height:none}.chart{break-inside:avoid}nav{display:none}}
`;

function timeline(input: HtmlInput): string {
  if (!input.series) return `<section id="timeline"><h2>Timeline</h2><p>No timeline: ${esc(input.seriesMissing ?? "requests.jsonl is missing")}.</p></section>`;
  const s = input.series;
  const v = input.view;
  return `<section id="timeline" data-seconds="${s.seconds}" data-total-requests="${s.totals.requests}" data-total-failures="${s.totals.failures}">`
    + `<h2>Timeline</h2><p class="muted">${num(s.totals.requests)} load requests (${num(s.totals.failures)} failed) over ${num(s.seconds)} s, bucketed per second from requests.jsonl. `
    + `Dashed vertical lines mark phase starts, dotted lines shift steps; hover for values.</p>`
    + timelineCharts({ series: s, phases: v.report.phases, steps: v.report.steps, writes: v.admin?.history ?? [], nodes: input.nodes, boundMs: v.admin?.boundMs ?? null, faultMarkers: faultMarkers(v.report.chaos) })
    + faultStrip(v.report.chaos, s.seconds)
    + `</section>`;
}

/** The whole report.html document. */
export function renderHtml(input: HtmlInput): string {
  const v = input.view;
  const nav = ["verdict", ...(v.report.hops?.length ? ["hops"] : []), "failed-checks", ...(v.report.acceptances || v.acceptedChecks.length ? ["accepted"] : []), "timeline", ...(v.report.chaos ? ["faults"] : []), "checks", ...(v.report.checks.some((c) => c.id === "response-parity" || c.id === "latency-parity") ? ["parity"] : []), "steps", "phases", "admin", "migrations", "logs", "images"].map((id) => `<a href="#${id}">${id.replace("-", " ")}</a>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${v.report.verdict.toUpperCase()}: ${esc(title(v))}</title><style>${CSS}</style></head>
<body data-verdict="${v.report.verdict}" data-standin="${v.report.standin}">
<nav>${nav}</nav>
<h1>${esc(title(v))}</h1>
${banners(v)}
${verdictBlock(v)}
${hopsSection(v.report, input.hopTimelines)}
${failedChecks(v)}
${acceptedSection(v)}
${timeline(input)}
${faultsSection(v.report.chaos)}
${checksTable(v)}
${paritySection(v)}
${stepsTable(v)}
${phasesTable(v)}
${adminSection(v)}
${migrationsSection(v)}
${schemaSection(v)}
${logsSection(v)}
${imagesSection(v)}
<footer>Generated ${esc(v.report.generatedAt)} by kong-upgrade-harness from report.json (schema v${v.report.schemaVersion}), requests.jsonl and history.jsonl in the same folder.</footer>
</body></html>
`;
}
