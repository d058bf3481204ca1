// The one list of differences between the stand-in and real Kong that the conformance test accepts,
// each with its reason. An entry names files (globs), a step-name pattern and a field-path pattern;
// in patterns `*` is any run of characters and `?` one. An entry whose files were replayed but that
// matched no difference is stale, unless it is noise (real Kong itself varies there between runs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import type { Difference } from "./compare.ts";

export const ACCEPTED_FILE = join(PROJECT_ROOT, "test/conformance/accepted-differences.yaml");

export interface AcceptedEntry {
  /** Where the entry is in the list, for messages (1-based). */
  readonly index: number;
  readonly files: readonly string[];
  readonly step: string;
  readonly field: string;
  readonly reason: string;
  readonly noise: boolean;
}

export class AcceptedListError extends Error {
  override name = "AcceptedListError";
}

const patternCache = new Map<string, RegExp>();
export function globToRegExp(glob: string): RegExp {
  let re = patternCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "s");
    patternCache.set(glob, re);
  }
  return re;
}

export function parseAccepted(text: string, source = ACCEPTED_FILE): AcceptedEntry[] {
  const doc = parse(text) as { accepted?: unknown } | null;
  const list = doc?.accepted ?? [];
  if (!Array.isArray(list)) throw new AcceptedListError(`${source}: "accepted" must be a list of entries`);
  const problems: string[] = [];
  const entries = list.map((raw: unknown, i): AcceptedEntry => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const files = typeof e.files === "string" ? [e.files] : Array.isArray(e.files) ? e.files.map(String) : [];
    const at = `${source}: entry ${i + 1}`;
    if (files.length === 0) problems.push(`${at}: "files" must be a glob or a list of globs`);
    for (const k of ["step", "field", "reason"] as const) if (typeof e[k] !== "string" || !(e[k] as string).trim()) problems.push(`${at}: "${k}" must be a non-empty string`);
    if (e.noise !== undefined && typeof e.noise !== "boolean") problems.push(`${at}: "noise" must be true or false`);
    const unknown = Object.keys(e).filter((k) => !["files", "step", "field", "reason", "noise"].includes(k));
    if (unknown.length) problems.push(`${at}: unknown key(s) ${unknown.join(", ")}`);
    return { index: i + 1, files, step: String(e.step), field: String(e.field), reason: String(e.reason), noise: e.noise === true };
  });
  if (problems.length) throw new AcceptedListError(problems.join("\n"));
  return entries;
}

export function loadAccepted(path = ACCEPTED_FILE): AcceptedEntry[] {
  return parseAccepted(readFileSync(path, "utf8"), path);
}

export const coversFile = (e: AcceptedEntry, file: string): boolean => e.files.some((g) => globToRegExp(g).test(file));

export function matches(e: AcceptedEntry, d: Difference): boolean {
  return coversFile(e, d.file) && globToRegExp(e.step).test(d.step) && globToRegExp(e.field).test(d.field);
}

export interface Triage {
  readonly accepted: readonly { readonly difference: Difference; readonly entry: AcceptedEntry }[];
  readonly unlisted: readonly Difference[];
}

/** Splits differences into those an entry accepts (the first matching entry) and the rest. */
export function triage(entries: readonly AcceptedEntry[], differences: readonly Difference[]): Triage {
  const accepted: { difference: Difference; entry: AcceptedEntry }[] = [];
  const unlisted: Difference[] = [];
  for (const d of differences) {
    const entry = entries.find((e) => matches(e, d));
    if (entry) accepted.push({ difference: d, entry });
    else unlisted.push(d);
  }
  return { accepted, unlisted };
}

/** Entries that cover a replayed file yet matched none of the differences of the replayed files (noise excepted). */
export function staleEntries(entries: readonly AcceptedEntry[], replayedFiles: readonly string[], differences: readonly Difference[]): AcceptedEntry[] {
  return entries.filter((e) => !e.noise && replayedFiles.some((f) => coversFile(e, f)) && !differences.some((d) => matches(e, d)));
}

export function describeEntry(e: AcceptedEntry): string {
  return `entry ${e.index} (files ${e.files.join(", ")}; step "${e.step}"; field "${e.field}")`;
}
