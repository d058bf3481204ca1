// Reads an accept file (`--accept FILE`): the findings a team has acknowledged, each for a check on
// a range of Kong versions, with its reason. Every problem is refused before anything starts, in
// one line naming the file, the entry and the field (InvalidConfigError: exit 2).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument } from "yaml";
import {
  BLUE_GREEN_CHECKS, CASSANDRA_IN_PLACE_CHECKS, CHAOS_CHECKS, FRESH_INSTALL_CHECKS, MIGRATION_CHAOS_CHECKS, NEW_KEYSPACE_CHECKS,
} from "../checks/index.ts";
import { InvalidConfigError } from "../errors.ts";
import { parseRange, type VersionRange } from "./version-range.ts";

export interface AcceptEntry {
  /** 1-based position in the file. */
  readonly entry: number;
  readonly check: string;
  /** Version ranges of the run's old and new Kong, as written (see version-range.ts); at least one. */
  readonly old?: string;
  readonly new?: string;
  /** Text the failure's message must contain: accepts one kind of failure of the check, not every one. */
  readonly message?: string;
  readonly reason: string;
  /** Last day (UTC, YYYY-MM-DD) the entry accepts; from the next day on it is expired. */
  readonly expires?: string;
}

export interface AcceptList {
  /** Absolute path of the file. */
  readonly file: string;
  readonly entries: readonly AcceptEntry[];
}

/** An entry with its ranges parsed, for matching. */
export interface ParsedEntry extends AcceptEntry {
  readonly oldRange?: VersionRange;
  readonly newRange?: VersionRange;
}

const FIELDS = ["check", "old", "new", "message", "reason", "expires"] as const;
const HINT = "see README, \"Acknowledged findings\"";

/** Every check id a scenario can report (a path's `hop-N-` prefix is not part of it). */
export const KNOWN_CHECKS: ReadonlySet<string> = new Set([...BLUE_GREEN_CHECKS, ...CASSANDRA_IN_PLACE_CHECKS, ...NEW_KEYSPACE_CHECKS,
  ...FRESH_INSTALL_CHECKS, ...CHAOS_CHECKS, ...MIGRATION_CHAOS_CHECKS].map((c) => c.id));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A real calendar day written YYYY-MM-DD. */
function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Validates the parsed YAML of `file`; throws InvalidConfigError with the first problem. */
export function acceptListOf(file: string, doc: unknown): AcceptList {
  const fail = (where: string, what: string): never => {
    throw new InvalidConfigError([`accept file ${file}: ${where}${what}`], { hint: HINT });
  };
  if (!Array.isArray(doc)) fail("", `must be a YAML list of entries (- check: ..., old: ..., reason: ...), but is ${doc === null || doc === undefined ? "empty" : typeof doc}`);
  const entries = (doc as unknown[]).map((raw, i): AcceptEntry => {
    const n = i + 1;
    if (!isObject(raw)) return fail(`entry ${n}: `, "must be a mapping of check, old/new, reason (and optional message, expires)");
    const label = `entry ${n}${typeof raw.check === "string" ? ` (${raw.check})` : ""}: `;
    const field = (name: string, what: string): never => fail(label, `field "${name}" ${what}`);
    for (const key of Object.keys(raw)) if (!(FIELDS as readonly string[]).includes(key)) field(key, `is not known (known: ${FIELDS.join(", ")})`);
    const text = (name: (typeof FIELDS)[number]): string | undefined => {
      const v = raw[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "string" && typeof v !== "number") return field(name, `must be text, but is ${Array.isArray(v) ? "a list" : typeof v}`);
      const s = String(v).trim();
      return s === "" ? field(name, "is empty") : s;
    };
    const check = text("check") ?? field("check", "is required: the id of the check whose failure is acknowledged");
    if (!KNOWN_CHECKS.has(check)) field("check", `"${check}" is not a check id (see the checks table in README, "What a run checks")`);
    const old = text("old");
    const neu = text("new");
    if (old === undefined && neu === undefined) field("old", "or \"new\" is required: the Kong versions the finding is acknowledged for (e.g. old: \">=2.1 <3.0\")");
    for (const [name, v] of [["old", old], ["new", neu]] as const) {
      const r = v === undefined ? undefined : parseRange(v);
      if (typeof r === "string") field(name, `is not a version range: ${r} (e.g. ">=2.1 <3.0", "2.6.x", "2.5.1 || 2.6.x")`);
    }
    const reason = text("reason") ?? field("reason", "is required: say why the finding is accepted");
    const message = text("message");
    const expires = raw.expires instanceof Date ? raw.expires.toISOString().slice(0, 10) : text("expires");
    if (expires !== undefined && !isDay(expires)) field("expires", `must be a day written YYYY-MM-DD, but is "${expires}"`);
    return { entry: n, check, ...(old !== undefined ? { old } : {}), ...(neu !== undefined ? { new: neu } : {}), ...(message !== undefined ? { message } : {}), reason, ...(expires !== undefined ? { expires } : {}) };
  });
  return { file, entries };
}

/** Reads and validates an accept file; throws InvalidConfigError (one line) for any problem. */
export function readAcceptFile(path: string): AcceptList {
  const file = resolve(path);
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (err) {
    throw new InvalidConfigError([`accept file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : err instanceof Error ? err.message : String(err)}`], { hint: HINT });
  }
  const doc = parseDocument(source);
  if (doc.errors.length) throw new InvalidConfigError([`accept file ${file}: not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`], { hint: HINT });
  return acceptListOf(file, doc.toJS());
}

/** The entries with their ranges parsed (they were validated when read). */
export function parsedEntries(list: AcceptList): ParsedEntry[] {
  return list.entries.map((e) => {
    const range = (text: string | undefined): VersionRange | undefined => {
      if (text === undefined) return undefined;
      const r = parseRange(text);
      if (typeof r === "string") throw new InvalidConfigError([`accept file ${list.file}: entry ${e.entry} (${e.check}): ${r}`], { hint: HINT });
      return r;
    };
    const oldRange = range(e.old);
    const newRange = range(e.new);
    return { ...e, ...(oldRange ? { oldRange } : {}), ...(newRange ? { newRange } : {}) };
  });
}
