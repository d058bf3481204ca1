// trend.html: one self-contained page (inline CSS and SVG, no script, no network) with a row per
// pair and scenario, a column per night: the verdict, run time and p99, and the pairs that are
// flaky or degrading listed first.
import type { PairVerdict } from "../qualify/qualification-report.ts";
import { esc } from "./html/index.ts";
import type { Trend, TrendCell, TrendRow } from "./trend.ts";

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:16px 24px;max-width:1600px}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;vertical-align:top;font-size:12px}th{background:#eee}
td.pass{background:#e3f5ee;color:#00704f}td.fail{color:#D55E00;background:repeating-linear-gradient(135deg,#fff3ec 0 6px,#ffe6d9 6px 12px)}
td.error{background:repeating-linear-gradient(45deg,#f0f0f0 0 6px,#fff 6px 12px);color:#222}td.refused,td.not-run,td.absent{color:#666;background:#fafafa}
.flag{display:inline-block;padding:0 5px;border:2px solid;font-weight:700;font-size:11px;margin-right:4px}.flag.flaky{border-color:#CC79A7;color:#8a3f70}
.flag.degrading{border-color:#E69F00;color:#8a5f00}.muted{color:#666}.banner{margin:10px 0;padding:10px 14px;border:2px dashed #8a6d00;background:#fff4cc}svg{display:block}`;

const WORD: Record<PairVerdict | "absent", string> = { pass: "PASS", fail: "FAIL", error: "ERROR", refused: "REFUSED", "not-run": "NOT RUN", absent: "–" };

function cell(c: TrendCell | null): string {
  if (!c) return `<td class="absent" data-verdict="absent">–</td>`;
  const numbers = [c.durationMs !== null ? `${(c.durationMs / 1000).toFixed(0)} s` : null, c.p99Ms !== null ? `p99 ${Math.round(c.p99Ms)} ms` : null].filter(Boolean).join(" · ");
  const title = c.failedChecks.length ? c.failedChecks.join(", ") : (c.why ?? "");
  return `<td class="${c.verdict}" data-verdict="${c.verdict}"${title ? ` title="${esc(title)}"` : ""}><strong>${WORD[c.verdict]}</strong>${numbers ? `<div>${numbers}</div>` : ""}</td>`;
}

/** A small line of the values over the nights (gaps where a night has none). */
function spark(values: readonly (number | null)[], label: string): string {
  const seen = values.filter((v): v is number => v !== null);
  if (seen.length < 2) return "";
  const w = 120;
  const h = 24;
  const max = Math.max(...seen);
  const min = Math.min(...seen);
  const x = (i: number): number => (values.length === 1 ? 0 : (i / (values.length - 1)) * (w - 4) + 2);
  const y = (v: number): number => (max === min ? h / 2 : h - 2 - ((v - min) / (max - min)) * (h - 4));
  const points = values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean).join(" ");
  return `<svg width="${w}" height="${h}" role="img" aria-label="${esc(label)}"><title>${esc(label)}</title><polyline points="${points}" fill="none" stroke="#0072B2" stroke-width="1.5"/></svg>`;
}

function row(r: TrendRow): string {
  const flags = [r.flaky ? `<span class="flag flaky">FLAKY</span>` : "", r.degrading.length ? `<span class="flag degrading">DEGRADING</span>` : ""].join("");
  const runTimes = r.cells.map((c) => c?.durationMs ?? null);
  const p99s = r.cells.map((c) => c?.p99Ms ?? null);
  return `<tr data-pair="${esc(r.id)}" data-flaky="${r.flaky}" data-degrading="${r.degrading.length > 0}"><td>${flags}<strong>${esc(r.from)} → ${esc(r.target)}</strong> ${esc(r.datastore)}`
    + `<div class="muted">${esc(r.scenario ?? "not run")} · passed ${r.passed} of ${r.judged} judged nights${r.flips ? ` · ${r.flips} flips` : ""}</div>`
    + `${r.degrading.map((d) => `<div>${esc(d)}</div>`).join("")}</td>`
    + `<td>${spark(runTimes, `run time of ${r.id} over the nights`)}${spark(p99s, `p99 of ${r.id} over the nights`)}</td>${r.cells.map(cell).join("")}</tr>`;
}

export function trendHtml(t: Trend): string {
  const flaky = t.rows.filter((r) => r.flaky);
  const degrading = t.rows.filter((r) => r.degrading.length);
  // The pairs to look at first, then the rest in the latest night's order.
  const rows = [...t.rows.filter((r) => r.flaky || r.degrading.length), ...t.rows.filter((r) => !r.flaky && !r.degrading.length)];
  const th = t.thresholds;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Qualification trend: ${t.nights.length} nights</title><style>${CSS}</style></head>
<body data-nights="${t.nights.length}" data-flaky="${flaky.length}" data-degrading="${degrading.length}"><h1>Qualification trend over ${t.nights.length} nights</h1>
<p id="summary">${t.rows.length} pairs; <strong>${flaky.length} flaky</strong>${flaky.length ? ` (${flaky.map((r) => esc(r.id)).join(", ")})` : ""}; <strong>${degrading.length} degrading</strong>${degrading.length ? ` (${degrading.map((r) => esc(r.id)).join(", ")})` : ""}.</p>
${t.nights.some((n) => n.standin) ? `<div class="banner"><strong>STAND-IN IMAGES.</strong> At least one night ran against the project's stand-in, not Kong.</div>` : ""}
<table><thead><tr><th>pair</th><th>run time / p99</th>${t.nights.map((n) => `<th data-night="${esc(n.generatedAt)}" title="${esc(n.dir)}">${esc(n.generatedAt.slice(0, 10))}<div class="muted">${esc(n.generatedAt.slice(11, 16))} · Kong ${esc(n.target)} · ${esc(n.verdict.toUpperCase())}</div></th>`).join("")}</tr></thead><tbody>
${rows.map(row).join("\n")}</tbody></table>
<p class="muted">Flaky: passed on some judged nights and failed on others, the verdict changing at least twice. Degrading: the latest night's run time over ${th.runTimeRatio} x and ${th.runTimeMinDeltaMs / 1000} s more than the median of the earlier nights, or its p99 over ${th.p99Ratio} x and ${th.p99MinDeltaMs} ms more (at least ${th.minNights} nights with a value). p99: the run's highest phase p99 over both clusters.</p></body></html>
`;
}
