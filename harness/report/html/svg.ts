// Inline SVG chart primitives for report.html: a time axis in seconds, line / step / bar / point
// series, phase markers and reference lines. Series differ by colour AND dash pattern, marker shape
// or hatching, and carry direct labels, so charts read in grayscale print and for colour-blind
// readers (Okabe-Ito palette). Every series element carries its data in data-* attributes.
import { esc } from "./html.ts";

/** Okabe-Ito colour-blind-safe palette. */
export const PALETTE = {
  blue: "#0072B2", green: "#009E73", failure: "#D55E00", planned: "#000000", achieved: "#CC79A7", bound: "#E69F00", none: "#999999",
} as const;

export type Shape = "circle" | "square" | "triangle" | "diamond";
export interface SeriesStyle { readonly color: string; readonly dash?: string; readonly width?: number; readonly shape?: Shape }

export interface Series {
  readonly id: string;
  readonly label: string;
  readonly kind: "line" | "bars" | "points";
  /** One value per second (line, bars); null = no data. */
  readonly values?: readonly (number | null)[];
  /** Points at arbitrary times (kind "points"), x in seconds. */
  readonly points?: readonly { readonly x: number; readonly y: number; readonly title: string }[];
  /** Points before condensing (kind "points"), when fewer are drawn. */
  readonly total?: number;
  readonly style: SeriesStyle;
}

export interface Marker { readonly x: number; readonly label: string; readonly kind: "phase" | "step" | "fault" }
export interface RefLine { readonly y: number; readonly label: string }

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly seconds: number;
  readonly series: readonly Series[];
  readonly markers: readonly Marker[];
  readonly refLines?: readonly RefLine[];
  /** Fixed y range top (e.g. 100 for weights); default: data max rounded up. */
  readonly yMax?: number;
  readonly height?: number;
}

export const WIDTH = 1200;
/** Plot margins, shared by every chart so their time axes line up. */
export const M = { left: 64, right: 150, top: 24, bottom: 34 } as const;
const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** 1, 2, 5 x 10^k: a step giving about `count` ticks up to max. */
export function niceStep(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
}

export const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

interface Scale { x(s: number): number; y(v: number): number; plotW: number; plotH: number; yMax: number }

function scale(spec: ChartSpec, height: number): Scale {
  const plotW = WIDTH - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const values = spec.series.flatMap((s) => [...(s.values ?? []), ...(s.points ?? []).map((p) => p.y)]).filter((v): v is number => v !== null);
  const dataMax = Math.max(1, ...values, ...(spec.refLines ?? []).map((r) => r.y));
  const step = niceStep(dataMax);
  const yMax = spec.yMax ?? Math.ceil(dataMax / step) * step;
  const span = Math.max(1, spec.seconds);
  return { plotW, plotH, yMax, x: (s) => M.left + (s / span) * plotW, y: (v) => M.top + plotH - (Math.min(v, yMax) / yMax) * plotH };
}

/** "M x y L x y ..." over non-null values at each second's centre; a null breaks the line. */
export function linePath(values: readonly (number | null)[], sc: Pick<Scale, "x" | "y">): { d: string; points: number } {
  const parts: string[] = [];
  let pen = false;
  let points = 0;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    parts.push(`${pen ? "L" : "M"}${f1(sc.x(i + 0.5))} ${f1(sc.y(v))}`);
    pen = true;
    points += 1;
  });
  return { d: parts.join(" "), points };
}

function marker(shape: Shape, x: number, y: number, color: string): string {
  const r = 4;
  switch (shape) {
    case "square": return `<rect x="${f1(x - r)}" y="${f1(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case "triangle": return `<path d="M${f1(x)} ${f1(y - r - 1)} L${f1(x + r + 1)} ${f1(y + r)} L${f1(x - r - 1)} ${f1(y + r)} Z" fill="${color}"/>`;
    case "diamond": return `<path d="M${f1(x)} ${f1(y - r - 1)} L${f1(x + r + 1)} ${f1(y)} L${f1(x)} ${f1(y + r + 1)} L${f1(x - r - 1)} ${f1(y)} Z" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    default: return `<circle cx="${f1(x)}" cy="${f1(y)}" r="${r}" fill="${color}"/>`;
  }
}

const dataValues = (values: readonly (number | null)[]): string => values.map((v) => (v === null ? "" : String(v))).join(",");

function seriesSvg(s: Series, sc: Scale, chartId: string): { body: string; endY: number | null } {
  const st = s.style;
  const attrs = `data-series="${esc(s.id)}" data-label="${esc(s.label)}"`;
  if (s.kind === "bars") {
    const values = s.values ?? [];
    const w = Math.max(1, sc.plotW / Math.max(1, values.length) - 1);
    const rects = values.map((v, i) => (v ? `<rect x="${f1(sc.x(i) + 0.5)}" y="${f1(sc.y(v))}" width="${f1(w)}" height="${f1(sc.y(0) - sc.y(v))}"><title>${clock(i)}: ${v} ${esc(s.label)}</title></rect>` : "")).join("");
    return { body: `<g ${attrs} data-values="${dataValues(values)}" fill="url(#${chartId}-hatch)" stroke="${st.color}" stroke-width="1">${rects}</g>`, endY: null };
  }
  if (s.kind === "points") {
    const pts = s.points ?? [];
    const shapes = pts.map((p) => `<g>${marker(st.shape ?? "circle", sc.x(p.x), sc.y(p.y), st.color)}<title>${esc(p.title)}</title></g>`).join("");
    return { body: `<g ${attrs} data-count="${pts.length}" data-total="${s.total ?? pts.length}">${shapes}</g>`, endY: pts.length ? sc.y(pts.at(-1)!.y) : null };
  }
  const values = s.values ?? [];
  const { d, points } = linePath(values, sc);
  const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : "";
  const last = [...values].reverse().find((v) => v !== null);
  return {
    body: `<path ${attrs} data-points="${points}" data-values="${dataValues(values)}" d="${d}" fill="none" stroke="${st.color}" stroke-width="${st.width ?? 2}"${dash} stroke-linejoin="round"/>`,
    endY: last === undefined || last === null ? null : sc.y(last),
  };
}

function axes(spec: ChartSpec, sc: Scale): string {
  const out: string[] = [];
  const yStep = niceStep(sc.yMax);
  for (let v = 0; v <= sc.yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${M.left}" x2="${M.left + sc.plotW}" y1="${f1(sc.y(v))}" y2="${f1(sc.y(v))}" class="grid"/>`);
    out.push(`<text x="${M.left - 6}" y="${f1(sc.y(v) + 4)}" text-anchor="end" class="tick">${f1(v)}</text>`);
  }
  const xStep = [5, 10, 15, 30, 60, 120, 300, 600].find((s) => spec.seconds / s <= 12) ?? 1200;
  for (let s = 0; s <= spec.seconds; s += xStep) {
    out.push(`<text x="${f1(sc.x(s))}" y="${f1(M.top + sc.plotH + 16)}" text-anchor="middle" class="tick">${clock(s)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + sc.plotH}" class="axis"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left + sc.plotW}" y1="${M.top + sc.plotH}" y2="${M.top + sc.plotH}" class="axis"/>`);
  out.push(`<text x="14" y="${f1(M.top + sc.plotH / 2)}" transform="rotate(-90 14 ${f1(M.top + sc.plotH / 2)})" text-anchor="middle" class="axis-label">${esc(spec.yLabel)}</text>`);
  out.push(`<text x="${M.left}" y="${f1(M.top + sc.plotH + 31)}" text-anchor="start" class="axis-label">time since the run started (m:ss)</text>`);
  return out.join("");
}

function markersSvg(markers: readonly Marker[], sc: Scale): string {
  return markers.map((m) => {
    const x = f1(sc.x(m.x));
    return `<line x1="${x}" x2="${x}" y1="${M.top}" y2="${f1(M.top + sc.plotH)}" class="marker-${m.kind}" data-marker="${esc(m.label)}"><title>${esc(m.label)} at ${clock(m.x)}</title></line>`;
  }).join("");
}

/** Direct labels at the right end of each series, nudged apart so they do not overlap. */
function endLabels(items: { label: string; y: number | null; color: string }[], sc: Scale): string {
  const placed = items.filter((i): i is { label: string; y: number; color: string } => i.y !== null).sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  return placed.map((i) => {
    const y = Math.max(i.y, prev + 13);
    prev = y;
    return `<text x="${M.left + sc.plotW + 6}" y="${f1(y + 4)}" class="end-label" fill="${i.color}">${esc(i.label)}</text>`;
  }).join("");
}

function legend(series: readonly Series[], chartId: string): string {
  const items = series.map((s, i) => {
    const x = M.left + i * 190;
    const sample = s.kind === "bars"
      ? `<rect x="${x}" y="4" width="22" height="10" fill="url(#${chartId}-hatch)" stroke="${s.style.color}"/>`
      : s.kind === "points" ? marker(s.style.shape ?? "circle", x + 11, 9, s.style.color)
      : `<line x1="${x}" x2="${x + 22}" y1="9" y2="9" stroke="${s.style.color}" stroke-width="${s.style.width ?? 2}"${s.style.dash ? ` stroke-dasharray="${s.style.dash}"` : ""}/>`;
    return `${sample}<text x="${x + 28}" y="13" class="legend">${esc(s.label)}</text>`;
  });
  return `<g class="legend-row">${items.join("")}</g>`;
}

/** One chart as an inline <svg>, on the shared time axis. */
export function chartSvg(spec: ChartSpec): string {
  const height = spec.height ?? 220;
  const sc = scale(spec, height);
  const hatch = `<pattern id="${spec.id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${PALETTE.failure}" stroke-width="3"/></pattern>`;
  const rendered = spec.series.map((s) => ({ s, ...seriesSvg(s, sc, spec.id) }));
  const refs = (spec.refLines ?? []).map((r) => `<line x1="${M.left}" x2="${M.left + sc.plotW}" y1="${f1(sc.y(r.y))}" y2="${f1(sc.y(r.y))}" class="ref-line" data-ref="${r.y}"/>`).join("");
  const labels = endLabels([
    ...rendered.filter((r) => r.s.kind !== "bars").map((r) => ({ label: r.s.label, y: r.endY, color: r.s.style.color })),
    ...(spec.refLines ?? []).map((r) => ({ label: r.label, y: sc.y(r.y), color: "#555" })),
  ], sc);
  return `<svg xmlns="http://www.w3.org/2000/svg" id="${spec.id}" class="chart" viewBox="0 0 ${WIDTH} ${height + 20}" width="${WIDTH}" height="${height + 20}" role="img" aria-label="${esc(spec.title)}" data-seconds="${spec.seconds}">`
    + `<title>${esc(spec.title)}</title><defs>${hatch}</defs>${legend(spec.series, spec.id)}<g transform="translate(0 14)">${axes(spec, sc)}${markersSvg(spec.markers, sc)}${refs}`
    + `${rendered.map((r) => r.body).join("")}${labels}</g></svg>`;
}
