// The timeline charts of report.html, from the run's data: a phase strip, planned vs achieved
// green weight, requests/s per cluster, failures per cluster, latency p50/p99 per cluster and
// Admin-write propagation lag. All share one time axis (seconds since the run's clock origin).
import type { PhaseRow, StepRow } from "../tables.ts";
import { esc } from "./html.ts";
import type { WriteView } from "./report-view.ts";
import { M, PALETTE, WIDTH, chartSvg, clock, type Marker } from "./svg.ts";
import { sumSeries, type TimelineSeries } from "./timeline-data.ts";

export interface ChartInput {
  readonly series: TimelineSeries;
  readonly phases: readonly PhaseRow[];
  readonly steps: readonly StepRow[];
  readonly writes: readonly WriteView[];
  readonly nodes: { readonly blue: readonly string[]; readonly green: readonly string[] };
  readonly boundMs: number | null;
  /** Fault starts (a chaos run), drawn like phase markers. */
  readonly faultMarkers?: readonly Marker[];
}

export function markers(phases: readonly PhaseRow[], steps: readonly StepRow[]): Marker[] {
  return [
    ...phases.map((p): Marker => ({ x: p.startMs / 1000, label: p.phase, kind: "phase" })),
    ...steps.map((s): Marker => ({ x: s.startMs / 1000, label: `step ${s.plannedWeight}%`, kind: "step" })),
  ];
}

/** Planned green weight per second: 0 before the first step, then the latest step's weight. */
export function plannedWeights(steps: readonly StepRow[], seconds: number): (number | null)[] {
  if (steps.length === 0) return Array.from({ length: seconds }, () => null);
  const sorted = [...steps].sort((a, b) => a.startMs - b.startMs);
  return Array.from({ length: seconds }, (_, i) => {
    const t = (i + 0.5) * 1000;
    let w = 0;
    for (const s of sorted) if (s.startMs <= t) w = s.plannedWeight;
    return w;
  });
}

const SHADES = ["#f2f2f2", "#dcdcdc"];

/** The phase strip: one band per phase (alternating shades, labels in two rows), step ticks. */
export function phaseStrip(phases: readonly PhaseRow[], steps: readonly StepRow[], seconds: number): string {
  const plotW = WIDTH - M.left - M.right;
  const x = (s: number): number => M.left + (s / Math.max(1, seconds)) * plotW;
  const bands = phases.map((p, i) => {
    const x0 = x(p.startMs / 1000);
    const x1 = x((p.endMs ?? seconds * 1000) / 1000);
    const failed = p.outcome !== "ok";
    const row = i % 2 === 0 ? 16 : 34;
    return `<g data-phase="${esc(p.phase)}" data-start-ms="${Math.round(p.startMs)}"><rect x="${x0.toFixed(1)}" y="20" width="${Math.max(1, x1 - x0).toFixed(1)}" height="22" fill="${SHADES[i % 2]}" stroke="${failed ? PALETTE.failure : "#888"}" stroke-width="${failed ? 2 : 0.5}"/>`
      + `<text x="${(x0 + 2).toFixed(1)}" y="${row === 16 ? 14 : 56}" class="phase-label">${esc(p.phase)}${failed ? ` (${esc(p.outcome)})` : ""}</text>`
      + `<title>${esc(p.phase)}: ${clock(p.startMs / 1000)}–${p.endMs === null ? "open" : clock(p.endMs / 1000)}, outcome ${esc(p.outcome)}</title></g>`;
  });
  const ticks = steps.map((s) => `<g data-step="${s.plannedWeight}"><line x1="${x(s.startMs / 1000).toFixed(1)}" x2="${x(s.startMs / 1000).toFixed(1)}" y1="20" y2="42" stroke="#000" stroke-width="1.5"/><text x="${(x(s.startMs / 1000) + 2).toFixed(1)}" y="38" class="step-label">${s.plannedWeight}%</text></g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" id="phase-strip" class="chart" viewBox="0 0 ${WIDTH} 64" width="${WIDTH}" height="64" role="img" aria-label="Phases of the run"><title>Phases and shift steps</title>`
    + `<text x="${M.left - 6}" y="35" text-anchor="end" class="axis-label">phases</text>${bands.join("")}${ticks.join("")}</svg>`;
}

/** Propagation lag points: one per (ok write, node that showed it), by the node's cluster. */
export interface LagPoint { readonly x: number; readonly y: number; readonly title: string }

export function lagPoints(writes: readonly WriteView[], nodes: ChartInput["nodes"]): { blue: LagPoint[]; green: LagPoint[] } {
  const blue: { x: number; y: number; title: string }[] = [];
  const green: { x: number; y: number; title: string }[] = [];
  for (const w of writes) {
    if (w.type !== "ok" || w.completedMs === null) continue;
    for (const [node, lag] of Object.entries(w.lags)) {
      const p = { x: w.completedMs / 1000, y: Math.round(lag), title: `${w.action} ${w.entity} via ${w.via ?? w.cluster}: visible on ${node} after ${Math.round(lag)} ms` };
      (nodes.green.includes(node) ? green : blue).push(p);
    }
  }
  return { blue, green };
}

/** Most propagation-lag points drawn per cluster; a long run's are condensed beyond it. */
export const MAX_LAG_POINTS = 400;


/**
 * A long run has thousands of lag points, which draw as one smear and weigh most of the page. Past
 * `max`, keep every point above the bound (a late write is a failure, never dropped) and, per time
 * bucket, the lowest and the highest of the rest: the envelope stays, the overplotting goes.
 */
export function condenseLagPoints(points: readonly LagPoint[], boundMs: number | null, seconds: number, max = MAX_LAG_POINTS): LagPoint[] {
  if (points.length <= max) return [...points];
  const late = points.filter((p) => boundMs !== null && p.y > boundMs);
  const buckets = Math.max(1, Math.floor(max / 2));
  const width = Math.max(1, seconds) / buckets;
  const extremes = new Map<number, { lo: LagPoint; hi: LagPoint }>();
  for (const p of points) {
    if (boundMs !== null && p.y > boundMs) continue;
    const k = Math.min(buckets - 1, Math.floor(p.x / width));
    const e = extremes.get(k);
    if (!e) extremes.set(k, { lo: p, hi: p });
    else { if (p.y < e.lo.y) e.lo = p; if (p.y > e.hi.y) e.hi = p; }
  }
  const kept = new Set<LagPoint>(late);
  for (const { lo, hi } of extremes.values()) { kept.add(lo); kept.add(hi); }
  return points.filter((p) => kept.has(p));
}

function lagChart(input: ChartInput, markerList: readonly Marker[]): string {
  const seconds = input.series.seconds;
  const all = lagPoints(input.writes, input.nodes);
  const blue = condenseLagPoints(all.blue, input.boundMs, seconds);
  const green = condenseLagPoints(all.green, input.boundMs, seconds);
  const total = all.blue.length + all.green.length;
  const drawn = blue.length + green.length;
  const note = drawn < total ? `${drawn} of ${total} points drawn: every point above the bound, the lowest and highest of the rest per ${(seconds / Math.floor(MAX_LAG_POINTS / 2)).toFixed(1)} s` : "";
  const caption = note ? `<p class="muted" id="lag-condensed">Propagation lag: ${note} (every write is in report.json).</p>` : "";
  return caption + chartSvg({ id: "chart-lag", title: `Admin-write propagation lag (each point: one write seen on one node)${note ? ` (${note})` : ""}`, yLabel: "lag ms", seconds, markers: markerList,
    ...(input.boundMs !== null ? { refLines: [{ y: input.boundMs, label: `bound ${input.boundMs} ms` }] } : {}), series: [
      { id: "lag-blue", label: "seen on an old node", kind: "points", points: blue, total: all.blue.length, style: { color: PALETTE.blue, shape: "circle" } },
      { id: "lag-green", label: "seen on a new node", kind: "points", points: green, total: all.green.length, style: { color: PALETTE.green, shape: "triangle" } },
    ] });
}

export function timelineCharts(input: ChartInput): string {
  const { series: s } = input;
  const seconds = s.seconds;
  const mk = [...markers(input.phases, input.steps), ...(input.faultMarkers ?? [])];
  const total = sumSeries(s.requests);
  const charts = [
    chartSvg({ id: "chart-weight", title: "Green weight: planned vs achieved (per second)", yLabel: "green share %", seconds, markers: mk, yMax: 100, series: [
      { id: "planned-weight", label: "planned", kind: "line", values: plannedWeights(input.steps, seconds), style: { color: PALETTE.planned, dash: "8 4", width: 2 } },
      { id: "achieved-weight", label: "achieved", kind: "line", values: s.achievedGreenPct, style: { color: PALETTE.achieved, width: 2.5 } },
    ] }),
    chartSvg({ id: "chart-requests", title: "Requests per second, per cluster", yLabel: "requests/s", seconds, markers: mk, series: [
      { id: "requests-total", label: "all", kind: "line", values: total, style: { color: "#444", width: 1, dash: "2 2" } },
      { id: "requests-blue", label: "old (blue)", kind: "line", values: s.requests.blue, style: { color: PALETTE.blue, width: 2 } },
      { id: "requests-green", label: "new (green)", kind: "line", values: s.requests.green, style: { color: PALETTE.green, width: 2, dash: "7 3" } },
    ] }),
    chartSvg({ id: "chart-failures", title: "Failed requests per second, per cluster", yLabel: "failures/s", seconds, markers: mk, series: [
      { id: "failures-total", label: "all failures", kind: "bars", values: sumSeries(s.failures), style: { color: PALETTE.failure } },
      { id: "failures-blue", label: "old (blue)", kind: "line", values: s.failures.blue, style: { color: PALETTE.blue, width: 1.5 } },
      { id: "failures-green", label: "new (green)", kind: "line", values: s.failures.green, style: { color: PALETTE.green, width: 1.5, dash: "7 3" } },
      { id: "failures-none", label: "no backend", kind: "line", values: s.failures.none, style: { color: "#555", width: 1.5, dash: "2 3" } },
    ] }),
    chartSvg({ id: "chart-latency", title: "Latency p50 and p99 per cluster (per second)", yLabel: "latency ms", seconds, markers: mk, series: [
      { id: "p99-blue", label: "old p99", kind: "line", values: s.p99.blue, style: { color: PALETTE.blue, width: 2.5 } },
      { id: "p50-blue", label: "old p50", kind: "line", values: s.p50.blue, style: { color: PALETTE.blue, width: 1, dash: "1 2" } },
      { id: "p99-green", label: "new p99", kind: "line", values: s.p99.green, style: { color: PALETTE.green, width: 2.5, dash: "7 3" } },
      { id: "p50-green", label: "new p50", kind: "line", values: s.p50.green, style: { color: PALETTE.green, width: 1, dash: "4 2 1 2" } },
    ] }),
    lagChart(input, mk),
  ];
  return [phaseStrip(input.phases, input.steps, seconds), ...charts].join("\n");
}
