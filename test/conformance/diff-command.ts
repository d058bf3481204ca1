// The body of test/conformance/diff.ts (loaded after testcontainers is configured).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { ACCEPTED_FILE, loadAccepted, triage, type AcceptedEntry } from "./accepted.ts";
import type { Difference } from "./compare.ts";
import { adminEndpoints, replayAndCompare, TaskPool, type FileResult } from "./conformance.ts";
import { discoverRecordings, type RecordingSource } from "./recordings.ts";
import { DEFAULT_IMAGE_TEMPLATE } from "./replay.ts";
import { ReplayServices } from "./replay-services.ts";
import { kindFieldSummary, markdownSummary, type FileCount } from "./report.ts";

const say = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`); };
const fail = (code: number, line: string): number => { process.stderr.write(`error: ${line}\n`); return code; };

/** Recordings named by file or by pair (`<old>-<new>`, any datastore); none named: all. */
export function selectRecordings(all: readonly RecordingSource[], wanted: readonly string[]): { selected: RecordingSource[]; unknown: string[] } {
  if (wanted.length === 0) return { selected: [...all], unknown: [] };
  const unknown: string[] = [];
  const selected = new Map<string, RecordingSource>();
  for (const w of wanted) {
    const hits = all.filter((s) => s.file === w || s.file.startsWith(`${w}.`));
    if (hits.length === 0) unknown.push(w);
    for (const h of hits) selected.set(h.file, h);
  }
  return { selected: [...selected.values()], unknown };
}

export async function diffCommand(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    return fail(2, `${e instanceof Error ? e.message : String(e)} (usage: see the head of test/conformance/diff.ts)`);
  }
  const { values, positionals } = args;
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return fail(2, `--concurrency must be a positive integer, but is "${values.concurrency}"`);
  let entries: AcceptedEntry[];
  let all: RecordingSource[];
  try {
    entries = loadAccepted(resolve(values.accepted));
    all = discoverRecordings();
  } catch (e) {
    return fail(2, e instanceof Error ? e.message : String(e));
  }
  if (all.length === 0) return fail(2, "no real-Kong recordings found (test/conformance/recordings, ../shared/real-kong or $KUH_REAL_KONG_DIR)");
  const { selected, unknown } = selectRecordings(all, positionals);
  if (unknown.length) return fail(2, `no recording named ${unknown.map((u) => `"${u}"`).join(", ")}; known: ${all.map((s) => s.file).join(", ")}`);

  const started = Date.now();
  const pool = new TaskPool<FileResult>(concurrency);
  const results: FileResult[] = [];
  const services = new ReplayServices();
  try {
    const runs = selected.map((s) => pool.run(s.file, () => replayAndCompare(s, { imageTemplate: values.image, log: say, services })));
    for (const [i, run] of runs.entries()) {
      const r = await run;
      results.push(r);
      say(`${selected[i]!.file}: ${r.comparison.observations} observations, ${r.comparison.differences.length} difference(s), replayed in ${(r.transcript.durationMs / 1000).toFixed(0)} s`);
    }
  } catch (e) {
    return fail(3, `replay failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await services.stop();
  }

  const annotated = (ds: readonly Difference[]): unknown[] => {
    const t = triage(entries, ds);
    const reasons = new Map(t.accepted.map((a) => [a.difference, a.entry]));
    return ds.map((d) => ({ ...d, ...(reasons.has(d) ? { accepted: reasons.get(d)!.reason, noise: reasons.get(d)!.noise } : {}) }));
  };
  const allDifferences = results.flatMap((r) => r.comparison.differences);
  const perFile = results.map((r) => ({
    file: r.recording.file, images: r.transcript.images, durationMs: r.transcript.durationMs,
    observations: r.comparison.observations, differences: annotated(r.comparison.differences),
  }));
  write(values.out, { totalMs: Date.now() - started, files: perFile });
  if (values["out-dir"]) for (const f of perFile) write(join(values["out-dir"], f.file), f);
  if (values.transcripts) for (const r of results) write(join(values.transcripts, r.recording.file), r.transcript);
  if (values.markdown) {
    const counts: FileCount[] = results.map((r) => ({
      file: r.recording.file, observations: r.comparison.observations, differences: r.comparison.differences.length,
      byKind: Object.fromEntries([...new Set(r.comparison.differences.map((d) => d.kind))].map((k) => [k, r.comparison.differences.filter((d) => d.kind === k).length])),
    }));
    const endpoints = new Map(results.flatMap((r) => [...adminEndpoints(r.recording)]));
    mkdirSync(dirname(resolve(values.markdown)), { recursive: true });
    const images = [...new Set(results.flatMap((r) => [r.transcript.images.old, r.transcript.images.new]))].sort().join(", ");
    const intro = [
      `Every difference, listed in accepted-differences.yaml or not, of ${results.length} recording(s) replayed against ${images} on ${new Date().toISOString().slice(0, 16)}Z`
      + ` in ${((Date.now() - started) / 1000).toFixed(0)} s. Rows group a step (phase-neutral) or Admin API endpoint with a field (list items generalized to \`[]\`);`
      + " \"in\" names the phases or snapshots, \"files\" counts the recordings, and one example shows the recorded and the stand-in value.",
    ];
    writeFileSync(values.markdown, `${markdownSummary("Stand-in vs recorded real Kong: differences", counts, allDifferences, endpoints, intro)}\n`);
  }

  const unlisted = triage(entries, allDifferences).unlisted;
  process.stdout.write(`\n${kindFieldSummary(allDifferences)}\n\n`);
  const observations = results.reduce((n, r) => n + r.comparison.observations, 0);
  say(`${results.length} recording(s), ${observations} observations, ${allDifferences.length} difference(s) (${unlisted.length} not in ${values.accepted}), ${((Date.now() - started) / 1000).toFixed(0)} s; JSON: ${values.out}`);
  return unlisted.length ? 1 : 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      out: { type: "string", default: join(PROJECT_ROOT, "reports/runs/conformance/differences.json") },
      "out-dir": { type: "string" },
      markdown: { type: "string" },
      transcripts: { type: "string" },
      concurrency: { type: "string", default: "2" },
      image: { type: "string", default: DEFAULT_IMAGE_TEMPLATE },
      accepted: { type: "string", default: ACCEPTED_FILE },
    },
  });
}

function write(path: string, value: unknown): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
