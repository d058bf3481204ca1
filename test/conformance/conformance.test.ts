// The stand-in held to recorded real Kong: every recording (test/conformance/recordings, and
// ../shared/real-kong or $KUH_REAL_KONG_DIR, picked up as they come) is replayed against
// `kong-standin:<version>` and compared field by field. Any difference not listed, with its reason,
// in accepted-differences.yaml fails the recording's test; a listed difference that no longer
// occurs fails the last test. Recordings replay three at a time (KUH_CONFORMANCE_CONCURRENCY), all on
// one network with one server per datastore, started once, each in a keyspace or database of its own.
import { expect } from "chai";
import { describeEntry, loadAccepted, staleEntries, triage, type AcceptedEntry } from "./accepted.ts";
import type { Difference } from "./compare.ts";
import { replayAndCompare, TaskPool, type FileResult } from "./conformance.ts";
import { discoverRecordings, recordingDirs, type RecordingSource } from "./recordings.ts";
import { ReplayServices } from "./replay-services.ts";
import { formatDifference, groupBy, groupKey } from "./report.ts";

/** Up to this many differences are shown one by one; more are shown as groups (step and field, one example each). */
const MAX_SHOWN = 40;
/** A run filtered with --grep replays only what its tests ask for, one at a time. */
const filtered = process.argv.some((a) => /^(?:-g|--grep|-f|--fgrep)(?:=|$)/.test(a));

function load<T>(what: () => T): { value?: T; error?: string } {
  try {
    return { value: what() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

describe("conformance: the stand-in against recorded real Kong", function () {
  this.timeout(30 * 60_000);
  const sources = load(() => discoverRecordings(recordingDirs()));
  const accepted = load(() => loadAccepted());
  const concurrency = filtered ? 1 : Math.max(1, Number(process.env.KUH_CONFORMANCE_CONCURRENCY ?? 3));
  const pool = new TaskPool<FileResult>(concurrency);
  const replayed: string[] = [];
  const differences: Difference[] = [];
  // From the first test, not from when mocha loaded the file (every file is loaded before any test runs).
  let started = 0;
  const list: readonly RecordingSource[] = sources.value ?? [];
  const services = new ReplayServices();

  before(() => { started = Date.now(); });

  after(async function () {
    if (replayed.length) console.log(`      ${replayed.length} recording(s) replayed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await services.stop();
  });

  it("finds the recordings and the accepted-difference list", function () {
    expect(sources.error, sources.error).to.equal(undefined);
    expect(list.length, "no real-Kong recordings found: test/conformance/recordings is empty and neither ../shared/real-kong nor $KUH_REAL_KONG_DIR has any").to.be.greaterThan(0);
    expect(accepted.error, accepted.error).to.equal(undefined);
  });

  const replayOf = (i: number): Promise<FileResult> => pool.run(list[i]!.file, () => replayAndCompare(list[i]!, { services }));

  for (const [i, source] of list.entries()) {
    it(`replays ${source.file} with no difference that is not listed`, async function () {
      if (accepted.error) throw new Error(accepted.error);
      const entries: readonly AcceptedEntry[] = accepted.value!;
      // The next recordings start while this one is compared (one slot of the pool each).
      if (!filtered) for (let k = i + 1; k < Math.min(list.length, i + concurrency); k++) void replayOf(k);
      const result = await replayOf(i);
      const { comparison } = result;
      replayed.push(source.file);
      differences.push(...comparison.differences);
      const t = triage(entries, comparison.differences);
      console.log(`      ${comparison.observations} observations compared, ${t.accepted.length} accepted, ${t.unlisted.length} not listed (replayed in ${(result.transcript.durationMs / 1000).toFixed(0)} s)`);
      if (t.unlisted.length) {
        const groups = groupBy(t.unlisted, (d) => groupKey(d));
        const lines = t.unlisted.length <= MAX_SHOWN
          ? t.unlisted.map((d) => `  ${formatDifference(d, false)}`)
          : groups.slice(0, MAX_SHOWN).map((g) => `  ${String(g.count).padStart(3)}× ${g.key} — e.g. ${formatDifference(g.example, false)}`);
        const more = t.unlisted.length > MAX_SHOWN ? [`  (${groups.length} groups; every difference: node --import tsx test/conformance/diff.ts ${source.file})`] : [];
        expect.fail(`${source.file}: ${t.unlisted.length} difference(s) with real Kong not in accepted-differences.yaml\n${[...lines, ...more].join("\n")}`);
      }
    });
  }

  it("lists no accepted difference that no replayed recording shows any more", function () {
    if (accepted.error) throw new Error(accepted.error);
    expect(replayed.length, "no recording was replayed, so the list cannot be checked").to.be.greaterThan(0);
    const stale = staleEntries(accepted.value!, replayed, differences);
    expect(stale.map(describeEntry), `stale entries in accepted-differences.yaml (remove them):\n${stale.map((e) => `  ${describeEntry(e)}: ${e.reason}`).join("\n")}`).to.deep.equal([]);
  });
});
