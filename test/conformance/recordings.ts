// Where the recordings of real Kong are and what one holds. Every `*.json` of the external folder
// ($KUH_REAL_KONG_DIR, else ../shared/real-kong beside the project) and of the committed copy
// (test/conformance/recordings) is a recording; a file in both is read from the external folder.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

export const COMMITTED_DIR = join(PROJECT_ROOT, "test/conformance/recordings");
export const SHARED_DIR = resolve(PROJECT_ROOT, "../shared/real-kong");

export type StepKind = "cli" | "db" | "admin" | "admin-walk" | "proxy" | "proxy-burst" | "node";
export const STEP_KINDS: readonly StepKind[] = ["cli", "db", "admin", "admin-walk", "proxy", "proxy-burst", "node"];

/** One step of a transcript: its kind, its unique name, and the fields its kind records. */
export interface Step {
  readonly kind: StepKind;
  readonly name: string;
  readonly [field: string]: unknown;
}

/** The field of a transcript step the replay could not run (why); such a step compares as missing. */
export const NOT_RUN = "not-run";

export type Datastore = "postgres" | "cassandra";

export interface Recording {
  /** The file name: the recording's identity in every message. */
  readonly file: string;
  readonly path: string;
  readonly oldVersion: string;
  readonly newVersion: string;
  readonly datastore: Datastore;
  readonly script: string;
  readonly steps: readonly Step[];
}

export interface RecordingSource { readonly file: string; readonly path: string }

export class RecordingError extends Error {
  override name = "RecordingError";
}

/** The folders searched, in order of precedence (the first holding a file name wins). */
export function recordingDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const external = env.KUH_REAL_KONG_DIR ? resolve(env.KUH_REAL_KONG_DIR) : SHARED_DIR;
  if (env.KUH_REAL_KONG_DIR && !existsSync(external)) {
    throw new RecordingError(`KUH_REAL_KONG_DIR=${env.KUH_REAL_KONG_DIR} does not exist: point it at a folder of real-Kong recordings or unset it`);
  }
  return [external, COMMITTED_DIR].filter((d) => existsSync(d));
}

/** Every recording file, by name, sorted; the union of the folders, the external one winning. */
export function discoverRecordings(dirs: readonly string[] = recordingDirs()): RecordingSource[] {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      if (!byName.has(file)) byName.set(file, join(dir, file));
    }
  }
  return [...byName].map(([file, path]) => ({ file, path })).sort((a, b) => a.file.localeCompare(b.file));
}

const VERSION = /(\d+\.\d+\.\d+)/;

export function loadRecording(source: RecordingSource): Recording {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source.path, "utf8"));
  } catch (e) {
    throw new RecordingError(`${source.file}: not readable as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = raw as { old?: unknown; new?: unknown; script?: unknown; steps?: unknown };
  const oldVersion = typeof r.old === "string" ? VERSION.exec(r.old)?.[1] : undefined;
  const newVersion = typeof r.new === "string" ? VERSION.exec(r.new)?.[1] : undefined;
  if (!oldVersion || !newVersion) throw new RecordingError(`${source.file}: "old" and "new" must name Kong images with a version (e.g. "kong:2.5.1")`);
  if (!Array.isArray(r.steps) || r.steps.length === 0) throw new RecordingError(`${source.file}: has no steps`);
  const names = new Set<string>();
  for (const [i, s] of (r.steps as Step[]).entries()) {
    if (!s || typeof s.name !== "string" || !STEP_KINDS.includes(s.kind)) throw new RecordingError(`${source.file}: step ${i} has no name or an unknown kind (${JSON.stringify(s?.kind)})`);
    if (names.has(s.name)) throw new RecordingError(`${source.file}: step name "${s.name}" is not unique`);
    names.add(s.name);
  }
  return {
    file: source.file, path: source.path, oldVersion, newVersion,
    // The file name says the datastore (README of the recordings: `.cassandra.` files ran on Cassandra 5.0).
    datastore: basename(source.file).includes(".cassandra.") ? "cassandra" : "postgres",
    script: typeof r.script === "string" ? r.script : "", steps: r.steps as Step[],
  };
}
