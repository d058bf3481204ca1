// Small HTML helpers for report.html: escaping, tables, clipped <pre> blocks, number formats.
import type { Quantiles } from "../../checks/index.ts";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and attribute values. */
export const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

export const num = (v: number): string => v.toLocaleString("en-US");
export const msText = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
export const secText = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : `${(v / 1000).toFixed(1)} s`);
export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : `${v.toFixed(1)}%`);
export const q = (x: Quantiles | null | undefined, k: "p50" | "p95" | "p99" | "max"): string => (x ? msText(x[k]) : "–");

/** "12 status, 3 reset" or "0". */
export const failureText = (f: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(f).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${num(v)} ${k}`);
  return parts.length ? parts.join(", ") : "0";
};

/** A table; cells are HTML (escape text before). `numeric` columns are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], opts: { cls?: string; numeric?: readonly number[] } = {}): string {
  const numeric = new Set(opts.numeric ?? []);
  const td = (c: string, i: number, tag: "td" | "th"): string => `<${tag}${numeric.has(i) ? ' class="n"' : ""}>${c}</${tag}>`;
  return `<table${opts.cls ? ` class="${opts.cls}"` : ""}><thead><tr>${head.map((h, i) => td(esc(h), i, "th")).join("")}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => td(c, i, "td")).join("")}</tr>`).join("")}</tbody></table>`;
}

/** A <pre> of at most maxLines lines / maxChars characters (the tail is kept: errors come last). */
export function clippedPre(text: string, maxLines = 80, maxChars = 12_000, keep: "head" | "tail" = "tail"): string {
  let lines = text.replace(/\s+$/, "").split("\n");
  let note = "";
  if (lines.length > maxLines) {
    note = `… ${num(lines.length - maxLines)} more lines (${keep === "tail" ? "earlier" : "later"}) not shown\n`;
    lines = keep === "tail" ? lines.slice(-maxLines) : lines.slice(0, maxLines);
  }
  let body = lines.join("\n");
  if (body.length > maxChars) {
    note += `… ${num(body.length - maxChars)} more characters not shown\n`;
    body = keep === "tail" ? body.slice(-maxChars) : body.slice(0, maxChars);
  }
  return `<pre>${keep === "tail" ? esc(note) : ""}${esc(body)}${keep === "head" && note ? `\n${esc(note)}` : ""}</pre>`;
}

export const badge = (status: string): string => `<span class="badge ${esc(status)}">${esc(status.toUpperCase())}</span>`;
