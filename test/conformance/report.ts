// How differences are shown: one compact line each, and grouped summaries (by step kind and field
// for the console, by area for the Markdown summary).
import type { Difference } from "./compare.ts";
import { canonical } from "./normalize.ts";
import type { StepKind } from "./recordings.ts";
import { splitPhase } from "./script.ts";

const MAX_VALUE = 160;

function shown(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? JSON.stringify(value) : canonical(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…(${text.length} chars)` : text;
}

/** For two multi-line texts, the first line where they part (1-based), else undefined. */
function firstDifferentLine(a: unknown, b: unknown): { line: number; recorded?: string; standin?: string } | undefined {
  if (typeof a !== "string" || typeof b !== "string" || (!a.includes("\n") && !b.includes("\n"))) return undefined;
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return { line: i + 1, ...(x[i] !== undefined ? { recorded: x[i] } : {}), ...(y[i] !== undefined ? { standin: y[i] } : {}) };
  }
  return undefined;
}

/** `file · step · field: recorded X | stand-in Y` (multi-line texts: their first different line). */
export function formatDifference(d: Difference, withFile = true): string {
  const where = `${withFile ? `${d.file} · ` : ""}${d.step} · ${d.field}`;
  const line = firstDifferentLine(d.recorded, d.standin);
  if (line) return `${where} (line ${line.line}): recorded ${shown(line.recorded)} | stand-in ${shown(line.standin)}`;
  return `${where}: recorded ${shown(d.recorded)} | stand-in ${shown(d.standin)}`;
}

/** A field path with list indices and entity names taken out, so the same field of every item groups together. */
export const generalField = (field: string): string => field.replace(/\[(?:\d+|"(?:[^"\\]|\\.)*")\]/g, "[]");
/** A step name without its phase, so the same step of every phase groups together. */
export const generalStep = (step: string): string => splitPhase(step).step;

export interface Group {
  readonly key: string;
  readonly count: number;
  readonly files: readonly string[];
  readonly example: Difference;
  /** The distinct field paths of the group. */
  readonly fields: readonly string[];
  /** The distinct step names of the group. */
  readonly steps: readonly string[];
}

/** Distinct differences by a key: how many, in which files, and the first as an example. */
export function groupBy(differences: readonly Difference[], keyOf: (d: Difference) => string): Group[] {
  const groups = new Map<string, { count: number; files: Set<string>; fields: Set<string>; steps: Set<string>; example: Difference }>();
  for (const d of differences) {
    const k = keyOf(d);
    const g = groups.get(k) ?? { count: 0, files: new Set<string>(), fields: new Set<string>(), steps: new Set<string>(), example: d };
    g.count++;
    g.files.add(d.file);
    g.fields.add(d.field);
    g.steps.add(d.step);
    groups.set(k, g);
  }
  return [...groups].map(([key, g]) => ({ key, count: g.count, files: [...g.files].sort(), fields: [...g.fields].sort(), steps: [...g.steps].sort(), example: g.example }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** What kind of schema statement a difference is about, and on which side it exists. */
export function schemaClass(d: Difference): string {
  const statement = String(d.recorded ?? d.standin ?? "");
  const constraint = /ADD CONSTRAINT \S+ (PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK)/.exec(statement);
  const cls = constraint ? `ADD CONSTRAINT … ${constraint[1]}`
    : /^CREATE (?:UNIQUE |CUSTOM )?INDEX/.test(statement) ? "CREATE INDEX"
      : /^CREATE (TABLE|TRIGGER|KEYSPACE|TYPE)\b/.exec(statement)?.[0]
        ?? (/^CREATE (?:OR REPLACE )?FUNCTION/.test(statement) ? "CREATE FUNCTION" : / OWNER TO /.test(statement) ? "OWNER TO" : "other statement");
  const side = d.recorded === undefined ? "stand-in only" : d.standin === undefined ? "recorded only" : "differs";
  return `${cls}, ${side}`;
}

/** The object a schema field names (`schema["CREATE TABLE public.acls"]` -> `public.acls`). */
const schemaObject = (field: string): string => {
  const key = (/^schema\["(.*)"\]$/.exec(field)?.[1] ?? field).replace(/ OWNER TO \S+$/, "");
  return key.split(" ").filter((w) => !/^[A-Z]+$/.test(w)).pop() ?? key;
};

/** Console summary: per step kind, each field with its count. */
export function kindFieldSummary(differences: readonly Difference[]): string {
  const lines: string[] = [];
  for (const kind of new Set(differences.map((d) => d.kind))) {
    const ofKind = differences.filter((d) => d.kind === kind);
    lines.push(`${kind}: ${ofKind.length} difference(s)`);
    for (const g of groupBy(ofKind, (d) => groupKey(d))) {
      lines.push(`  ${String(g.count).padStart(4)}  ${g.key}  [${g.files.length} file(s)]`);
    }
  }
  return lines.join("\n");
}

const AREAS: readonly { readonly title: string; readonly kinds: readonly StepKind[] }[] = [
  { title: "CLI text and exit codes", kinds: ["cli"] },
  { title: "Schema and schema_meta", kinds: ["db"] },
  { title: "Admin API (by endpoint and field)", kinds: ["admin", "admin-walk"] },
  { title: "Proxy: headers and what the upstream received", kinds: ["proxy"] },
  { title: "Rate-limit bursts", kinds: ["proxy-burst"] },
  { title: "Node starts and the old node after finish", kinds: ["node"] },
];

/** The endpoint of an Admin API difference: method and path template (phase-neutral), or the walk. */
function endpointOf(d: Difference, paths: ReadonlyMap<string, string>): string {
  return (paths.get(`${d.file}\0${d.step}`) ?? generalStep(d.step)).replace(/\bp\d+(?=[-/])/g, "pN");
}

/** The group of a difference: step (or Admin API endpoint) and field, indices generalized, schema statements by class. */
export function groupKey(d: Difference, endpoints?: ReadonlyMap<string, string>): string {
  if (endpoints && (d.kind === "admin" || d.kind === "admin-walk")) return `${endpointOf(d, endpoints)} · ${generalField(d.field)}`;
  if (d.kind === "db" && d.field.startsWith("schema[")) return `db:schema · schema[${schemaClass(d)}]`;
  if (d.kind === "db") return `${d.step.replace(/:[^:]+$/, "")} · ${generalField(d.field)}`;
  return `${generalStep(d.step)} · ${generalField(d.field)}`;
}

/** Where in the script a group occurs: the phases (p1,p2), or the last part of the other step names (after-up). */
function stepsLabel(steps: readonly string[]): string {
  return [...new Set(steps.map((s) => splitPhase(s).phase ?? s.split(":").pop()!))].sort().join(",");
}

const mdCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, "\\n");

export interface FileCount { readonly file: string; readonly observations: number; readonly differences: number; readonly byKind: Readonly<Record<string, number>> }

/**
 * The Markdown summary: counts per file, then per area the distinct differences (step and field,
 * list indices generalized) with their count, files and one example, recorded vs stand-in.
 * `endpoints` maps `file\0step` to "METHOD path" for Admin API steps.
 */
export function markdownSummary(title: string, counts: readonly FileCount[], differences: readonly Difference[], endpoints: ReadonlyMap<string, string>, intro: readonly string[] = []): string {
  const out: string[] = [`# ${title}`, "", ...intro, ...(intro.length ? [""] : [])];
  const kinds = AREAS.flatMap((a) => a.kinds);
  out.push(`| file | observations | differences | ${kinds.join(" | ")} |`, `|---|---:|---:|${kinds.map(() => "---:").join("|")}|`);
  for (const c of counts) out.push(`| ${c.file} | ${c.observations} | ${c.differences} | ${kinds.map((k) => c.byKind[k] ?? 0).join(" | ")} |`);
  const total = counts.reduce((n, c) => n + c.observations, 0);
  out.push(`| **total** | ${total} | ${differences.length} | ${kinds.map((k) => differences.filter((d) => d.kind === k).length).join(" | ")} |`, "");
  for (const area of AREAS) {
    const ofArea = differences.filter((d) => area.kinds.includes(d.kind));
    out.push(`## ${area.title}: ${ofArea.length} difference(s)`, "");
    if (ofArea.length === 0) continue;
    const keyOf = (d: Difference): string => groupKey(d, endpoints);
    out.push("| # | where · field | in | files | example (file · step) | recorded | stand-in |", "|---:|---|---|---|---|---|---|");
    for (const g of groupBy(ofArea, keyOf)) {
      const line = firstDifferentLine(g.example.recorded, g.example.standin);
      const rec = line ? `line ${line.line}: ${shown(line.recorded)}` : shown(g.example.recorded);
      const sti = line ? `line ${line.line}: ${shown(line.standin)}` : shown(g.example.standin);
      const objects = g.key.includes("schema[") ? [...new Set(g.fields.map(schemaObject))] : [];
      const where = objects.length ? `${g.key}: ${objects.slice(0, 12).join(", ")}${objects.length > 12 ? ` (+${objects.length - 12})` : ""}` : g.key;
      out.push(`| ${g.count} | ${mdCell(where)} | ${stepsLabel(g.steps)} | ${g.files.length} | ${mdCell(`${g.example.file} · ${g.example.step}`)} | ${mdCell(rec)} | ${mdCell(sti)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
