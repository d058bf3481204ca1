// report.html's "Parity with the old version": what response-parity found between old and new
// answers (each difference with its probe, field, values, nodes and moment; the documented
// differences it accepted and why), and latency-parity's two distributions per route and per step.
import type { ReportCheck } from "../accepted.ts";
import { badge, esc, num, table } from "./html.ts";
import type { ReportView } from "./report-view.ts";

interface Difference { probe: string; field: string; change: string; old?: unknown; new?: unknown; oldNode: string; newNode: string; at: string; count: number }
interface Documented { field: string; change: string; since?: string; reason: string; answers: number }
interface Quantiles { count: number; p50: number; p99: number }
interface LatencyGroup { group: string; blue: Quantiles | null; green: Quantiles | null; over: readonly string[] | null }

const DIFFERENCE_ROWS = 200;
const shown = (v: unknown): string => (v === undefined || v === null ? "(missing)" : typeof v === "string" ? v : JSON.stringify(v));
const dist = (x: Quantiles | null): string[] => (x ? [num(x.count), `${num(x.p50)} ms`, `${num(x.p99)} ms`] : ["0", "–", "–"]);

function responseParity(c: ReportCheck | undefined): string {
  if (!c) return "";
  const d = (c.data ?? {}) as { differences?: Difference[]; documented?: Documented[]; samples?: number };
  const diffs = d.differences ?? [];
  const diffTable = diffs.length === 0 ? `<p class="ok-text">${esc("No difference beyond the old nodes' own noise and the documented ones.")}</p>`
    : table(["probe", "field", "old", "new", "nodes", "when", "samples"], diffs.slice(0, DIFFERENCE_ROWS).map((x) =>
      [esc(x.probe), `<code>${esc(x.field)}</code>`, esc(shown(x.old)), esc(shown(x.new)), esc(`${x.oldNode} → ${x.newNode}`), esc(x.at), num(x.count)]), { cls: "differences" })
      + (diffs.length > DIFFERENCE_ROWS ? `<p class="muted">… ${num(diffs.length - DIFFERENCE_ROWS)} more in report.json</p>` : "");
  const docs = d.documented ?? [];
  const docTable = docs.length === 0 ? "" : `<h4>Documented differences accepted</h4>${table(["field", "change", "since", "answers", "reason"],
    docs.map((x) => [`<code>${esc(x.field.replace(/^\^|\$$/g, ""))}</code>`, esc(x.change), esc(x.since ?? ""), num(x.answers), esc(x.reason)]))}`;
  return `<h3>${badge(c.status)} Responses: old and new answering the same requests (${num(d.samples ?? 0)} samples)</h3>${diffTable}${docTable}`;
}

function latencyParity(c: ReportCheck | undefined): string {
  if (!c) return "";
  const d = (c.data ?? {}) as { groups?: LatencyGroup[]; perStep?: Record<string, { blue: Quantiles | null; green: Quantiles | null }> };
  const groups = (d.groups ?? []).map((g) => [esc(g.group), ...dist(g.blue), ...dist(g.green), g.over === null ? "not judged (too few)" : g.over.length ? esc(g.over.join("; ")) : "within"]);
  const steps = Object.entries(d.perStep ?? {}).map(([w, s]) => [`${w}%`, ...dist(s.blue), ...dist(s.green)]);
  const head = ["old answers", "old p50", "old p99", "new answers", "new p50", "new p99"];
  return `<h3>${badge(c.status)} Latency: new beside old in the same seconds, while both served</h3>`
    + (groups.length ? table(["route (probe)", ...head, "verdict"], groups, { numeric: [1, 2, 3, 4, 5, 6] }) : "<p>No latency compared.</p>")
    + (steps.length ? `<h4>Per shift step</h4>${table(["green weight", ...head], steps, { numeric: [0, 1, 2, 3, 4, 5, 6] })}` : "");
}

export function paritySection(v: ReportView): string {
  const find = (id: string): ReportCheck | undefined => v.report.checks.find((c) => c.id === id);
  const response = find("response-parity");
  const latency = find("latency-parity");
  if (!response && !latency) return "";
  return `<section id="parity"><h2>Parity with the old version</h2>${responseParity(response)}${latencyParity(latency)}</section>`;
}
