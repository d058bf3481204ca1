// The comparison, the accepted-difference list, the recordings' discovery and the script table,
// on small transcripts and on the committed recordings.
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAccepted, staleEntries, triage } from "./accepted.ts";
import { compareTranscripts, WHOLE_STEP } from "./compare.ts";
import { COMMITTED_DIR, discoverRecordings, loadRecording, NOT_RUN, recordingDirs, type Step } from "./recordings.ts";
import { checkReplayable, UnknownStepError } from "./script.ts";

const admin = (name: string, fields: Record<string, unknown>): Step => ({ kind: "admin", name, method: "GET", path: "/", status: 200, ...fields });

describe("conformance: comparison", function () {
  it("names file, step and field of every difference, with both values", function () {
    const recorded = [admin("p1:GET key-auth generated", { body: { key: "<random32>", ttl: null } })];
    const standin = [admin("p1:GET key-auth generated", { body: { key: "Xy9aB3dE5fG7hJ2kL4mN6pQ8rS0tU1vW", tags: null } })];
    const c = compareTranscripts("f.json", recorded, standin);
    expect(c.observations).to.equal(6);
    expect(c.differences).to.deep.equal([
      { file: "f.json", step: "p1:GET key-auth generated", kind: "admin", field: "body.ttl", recorded: null },
      { file: "f.json", step: "p1:GET key-auth generated", kind: "admin", field: "body.tags", standin: null },
    ]);
  });

  it("normalizes the recorded side again, so the recorder's older normalization is not a difference", function () {
    const recorded = [{ kind: "db", name: "db:schema:after-up", statements: 1, schema: "CREATE TABLE t ( id uuid DEFAULT '00000000-0000-0000-0000-000000000000'::uuid )" } as Step];
    const standin = [{ kind: "db", name: "db:schema:after-up", statements: 1, schema: "CREATE TABLE t ( id uuid DEFAULT '<uuid>'::uuid )" } as Step];
    expect(compareTranscripts("f.json", recorded, standin).differences).to.deep.equal([]);
  });

  it("reports a step that ran on one side only as one difference", function () {
    const recorded = [admin("p2:GET /", { body: {} })];
    const standin: Step[] = [{ kind: "admin", name: "p2:GET /", [NOT_RUN]: "the p2 node did not start" }, { kind: "node", name: "p2:node-start", started: false, status: "false 1" }];
    const c = compareTranscripts("f.json", recorded, standin);
    expect(c.differences.map((d) => [d.step, d.field])).to.deep.equal([["p2:GET /", WHOLE_STEP], ["p2:node-start", WHOLE_STEP]]);
    expect(c.differences[1]!.recorded).to.equal(undefined);
  });

  it("compares lists Kong does not order regardless of their order", function () {
    const a = { kind: "admin-walk", name: "p1:walk /consumers", items: [{ username: "a" }, { username: "b" }] } as Step;
    const b = { kind: "admin-walk", name: "p1:walk /consumers", items: [{ username: "b" }, { username: "a" }] } as Step;
    expect(compareTranscripts("f.json", [a], [b]).differences).to.deep.equal([]);
  });
});

describe("conformance: accepted differences", function () {
  const d = { file: "2.0.5-2.6.0.public.json", step: "p1:rate-limiting cluster x7", kind: "proxy-burst" as const, field: "statuses[5]", recorded: 429, standin: 200 };

  it("accepts a difference by file glob, step and field patterns, and keeps the others", function () {
    const entries = parseAccepted("accepted:\n  - files: '2.0.5-*'\n    step: 'p?:rate-limiting cluster x7'\n    field: 'statuses[*]'\n    reason: cluster counters race\n    noise: true\n");
    expect(triage(entries, [d]).accepted).to.have.length(1);
    expect(triage(entries, [{ ...d, file: "2.5.1-2.6.0.public.json" }]).unlisted).to.have.length(1);
  });

  it("finds stale entries among those covering a replayed file, never noise", function () {
    const entries = parseAccepted([
      "accepted:",
      "  - { files: ['*.public.json'], step: 'p1:GET /', field: 'body.version', reason: r }",
      "  - { files: '2.0.5-*', step: '*', field: 'statuses*', reason: r, noise: true }",
      "  - { files: '9.9.9-*', step: '*', field: '*', reason: not replayed }",
    ].join("\n"));
    expect(staleEntries(entries, ["2.5.1-2.6.0.public.json"], []).map((e) => e.index)).to.deep.equal([1]);
  });

  it("refuses an entry without a reason, naming it", function () {
    expect(() => parseAccepted("accepted:\n  - { files: '*', step: '*', field: '*' }\n", "list.yaml")).to.throw('list.yaml: entry 1: "reason" must be a non-empty string');
  });
});

describe("conformance: recordings and the script table", function () {
  it("takes the union of the folders by file name, the first folder winning", function () {
    const ext = mkdtempSync(join(tmpdir(), "kuh-rec-"));
    writeFileSync(join(ext, "2.5.1-2.6.0.public.json"), "{}");
    writeFileSync(join(ext, "9.0.0-9.1.0.public.json"), "{}");
    const found = discoverRecordings([ext, COMMITTED_DIR]);
    expect(found.find((s) => s.file === "2.5.1-2.6.0.public.json")!.path).to.equal(join(ext, "2.5.1-2.6.0.public.json"));
    expect(found.map((s) => s.file)).to.include("9.0.0-9.1.0.public.json").and.include("2.8.5-3.0.1.cassandra.public.json");
  });

  it("refuses a KUH_REAL_KONG_DIR that does not exist, in one line", function () {
    expect(() => recordingDirs({ KUH_REAL_KONG_DIR: "/nonexistent/recordings" })).to.throw(/^KUH_REAL_KONG_DIR=\/nonexistent\/recordings does not exist/);
  });

  it("knows every step of every committed recording", function () {
    const sources = discoverRecordings([COMMITTED_DIR]);
    expect(sources).to.have.length.greaterThan(0);
    for (const s of sources) checkReplayable(loadRecording(s));
  });

  it("fails on a step it does not know, naming the recording and the step", function () {
    const rec = loadRecording(discoverRecordings([COMMITTED_DIR])[0]!);
    const steps = [...rec.steps, { kind: "admin", name: "p1:GET something new", method: "GET", path: "/new" } as Step];
    expect(() => checkReplayable({ ...rec, steps })).to.throw(UnknownStepError, `${rec.file}: step "p1:GET something new" is not in the public script's table`);
  });
});
