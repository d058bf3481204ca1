import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validate, type Schema } from "../../test/report/support/json-schema.ts";
import { HarnessError, InvalidConfigError } from "../errors.ts";
import { assembleReport } from "../report/report.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import { ManualClock } from "../traffic/index.ts";
import {
  AXIS_SCENARIOS, expectedSeconds, parseShard, planFingerprint, planMatrix, plannedSeconds, qualify, readTimings, shardMatrix, splitPlan,
  type PairRunner, type Qualification, type QualifyRequest,
} from "./index.ts";
import { mergeShards } from "./merge.ts";
import { NOT_ON_THE_AXIS } from "./scenario-axis.ts";

const request = (o: Partial<QualifyRequest> = {}): QualifyRequest => ({ target: "2.6.0", from: ["2.5.1", "2.4.1"], datastores: ["postgres"], imageTemplate: "kong-standin:{version}", ...o });
const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `kuh-${what}-`));
const schema = (): Schema => JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/qualification.schema.json"), "utf8")) as Schema;

describe("qualify: the scenario axis", () => {
  it("runs each pair with each scenario that carries out its procedure on its datastore; a pair none applies to is refused with why", () => {
    const plan = planMatrix(request({ from: ["2.5.1", "2.1.4"], datastores: ["postgres", "cassandra"], scenarios: ["chaos-during-shift", "postgres-blue-green", "cassandra-in-place"] }));
    expect(plan.runs.map((r) => [r.id, r.scenario, r.procedure])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres-chaos-during-shift", "scenarios/chaos-during-shift.ts", "postgres-blue-green"],
      ["2.5.1-to-2.6.0-postgres-postgres-blue-green", "scenarios/postgres-blue-green.ts", "postgres-blue-green"],
      ["2.1.4-to-2.6.0-postgres-chaos-during-shift", "scenarios/chaos-during-shift.ts", "postgres-blue-green"],
      ["2.1.4-to-2.6.0-postgres-postgres-blue-green", "scenarios/postgres-blue-green.ts", "postgres-blue-green"],
      ["2.5.1-to-2.6.0-cassandra-cassandra-in-place", "scenarios/cassandra-in-place.ts", "cassandra-in-place"],
      // 2.1.4 on Cassandra: the plan chose a new keyspace and lists in place as an alternative.
      ["2.1.4-to-2.6.0-cassandra-cassandra-in-place", "scenarios/cassandra-in-place.ts", "cassandra-in-place"],
    ]);
    expect(plan.runs[5]!.reason).to.match(/^cassandra-in-place is an alternative the plan lists; it chose cassandra-new-keyspace: /);
    const none = planMatrix(request({ from: ["2.5.1"], datastores: ["cassandra"], scenarios: ["chaos-during-shift"] }));
    expect(none.runs).to.deep.equal([]);
    expect(none.refused.map((r) => [r.id, r.refusal])).to.deep.equal([["2.5.1-to-2.6.0-cassandra", "none of the scenarios asked for (chaos-during-shift) applies to this pair: the plan runs it with cassandra-in-place on cassandra"]]);
  });

  it("without --scenarios each pair runs its plan's scenario under its old id", () => {
    expect(planMatrix(request()).runs.map((r) => [r.id, r.scenario])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "scenarios/postgres-blue-green.ts"], ["2.4.1-to-2.6.0-postgres", "scenarios/postgres-blue-green.ts"],
    ]);
  });

  it("an unknown scenario is bad input naming the valid ones, with the request's other problems", () => {
    const valid = AXIS_SCENARIOS.map((s) => s.name).join(", ");
    expect(() => planMatrix(request({ target: "x", scenarios: ["postgres-blue-green", "chaos", "fresh-install"] }))).to.throw(InvalidConfigError,
      `--target must be a version like 2.6.0, but is "x"; --scenarios: unknown scenario "chaos"; the scenarios are ${valid}; --scenarios: fresh-install is not a qualification scenario (it installs one version on an empty datastore and upgrades no pair); the scenarios are ${valid}`);
    expect(() => planMatrix(request({ scenarios: [] }))).to.throw(InvalidConfigError, "--scenarios needs at least one scenario");
  });

  it("covers every scenario file of scenarios/: each is on the axis or says why not", () => {
    const files = readdirSync(join(PROJECT_ROOT, "scenarios")).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, "")).sort();
    expect([...AXIS_SCENARIOS.map((s) => s.name), ...Object.keys(NOT_ON_THE_AXIS)].sort()).to.deep.equal(files);
  });
});

describe("qualify: splitting the plan into shards", () => {
  const plan = planMatrix(request({ from: ["2.5.1", "2.4.1", "2.2.2", "0.13.1"], datastores: ["postgres", "cassandra"], scenarios: ["postgres-blue-green", "chaos-during-shift", "cassandra-in-place", "cassandra-new-keyspace"] }));

  it("puts every pair in exactly one shard, balanced by expected time, the same way every time", () => {
    const expected = expectedSeconds(plan.runs, { holdMs: 500, steps: 2 });
    const split = splitPlan(plan, 3, expected);
    const all = split.shards.flatMap((s) => s.ids);
    expect([...all].sort()).to.deep.equal([...plan.order].sort());
    const totals = split.shards.map((s) => s.ids.reduce((a, id) => a + (expected.get(id) ?? 0), 0));
    // Longest first onto the least loaded: no shard exceeds another by more than the longest run.
    expect(Math.max(...totals) - Math.min(...totals)).to.be.at.most(Math.max(...expected.values()));
    expect(splitPlan(plan, 3, expected)).to.deep.equal(split);
    // The refused pairs (0.13.1 needs several hops) are reported by shard 1.
    for (const r of plan.refused) expect(split.shards[0]!.ids).to.include(r.id);
    expect(shardMatrix(split).include.map((e) => e.shard)).to.deep.equal(["1/3", "2/3", "3/3"]);
  });

  it("a split by other timings is another split (its fingerprint differs); the plan's fingerprint is the plan's", () => {
    const byPlan = splitPlan(plan, 2, expectedSeconds(plan.runs));
    const timings = new Map(plan.runs.map((r, i) => [r.id, i === 0 ? 1_000 : 10]));
    const byTimings = splitPlan(plan, 2, expectedSeconds(plan.runs, {}, timings));
    expect(byTimings.shards[0]!.ids.filter((id) => plan.runs.some((r) => r.id === id))).to.deep.equal([plan.runs[0]!.id]);
    expect(byTimings.fingerprint).to.not.equal(byPlan.fingerprint);
    const f = planFingerprint(request(), planMatrix(request()), ["--rate", "100"]);
    expect(f).to.match(/^[0-9a-f]{64}$/);
    expect(planFingerprint(request(), planMatrix(request()), ["--rate", "100"])).to.equal(f);
    expect(planFingerprint(request(), planMatrix(request()), ["--rate", "200"])).to.not.equal(f);
    expect(planFingerprint(request({ imageTemplate: "kong:{version}" }), planMatrix(request({ imageTemplate: "kong:{version}" })), ["--rate", "100"])).to.not.equal(f);
  });

  it("estimates a run from its scenario and shift; measured timings win, unmeasured runs are scaled like the measured ones", () => {
    const [a, b] = planMatrix(request()).runs;
    expect(plannedSeconds(a!, { holdMs: 1_000, steps: 3 })).to.equal(25 + 3);
    const e = expectedSeconds([a!, b!], { holdMs: 1_000, steps: 3 }, new Map([[a!.id, 56]]));
    expect([e.get(a!.id), e.get(b!.id)]).to.deep.equal([56, 56]);
  });

  it("--shard K/N: a whole number K from 1 to N", () => {
    expect(parseShard("2/4")).to.deep.equal({ index: 2, count: 4 });
    for (const bad of ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"]) expect(() => parseShard(bad), bad).to.throw(InvalidConfigError, "--shard must be K/N");
  });

  it("--timings: an earlier qualification.json's measured runs; anything else is bad input", () => {
    const dir = tmp("timings");
    writeFileSync(join(dir, "qualification.json"), JSON.stringify({ pairs: [{ id: "a", durationMs: 30_000, reportDir: "a" }, { id: "b", durationMs: 0, reportDir: null }] }));
    expect([...readTimings(dir)]).to.deep.equal([["a", 30]]);
    expect(() => readTimings(join(dir, "nope.json"))).to.throw(InvalidConfigError, "does not exist");
    writeFileSync(join(dir, "x.json"), "{}");
    expect(() => readTimings(join(dir, "x.json"))).to.throw(InvalidConfigError, "is not a qualification.json");
  });
});

describe("qualify merge", () => {
  /** Runs by pair id: pass, fail or error; each report with a p99 of its own. */
  const runner = (clock: ManualClock, outcome: (id: string) => "pass" | "fail" | "error"): PairRunner => async (pair, dir) => {
    clock.advance(pair.id.length * 1_000);
    const what = outcome(pair.id);
    const latencyMs = { blue: { count: 100, p50: 5, p95: 9, p99: pair.from === "2.5.1" ? 12.34 : 20, max: 30 }, green: null };
    const r = assembleReport({
      scenario: pair.scenario.replace(/^scenarios\/|\.ts$/g, ""), versions: { old: pair.from, new: pair.target },
      phases: [{ phase: "Shift", startMs: 0, endMs: 10, durationMs: 10, outcome: "ok", requests: 100, failures: {}, latencyMs }],
      checks: [{ id: "zero-failed-requests", status: what === "fail" ? "fail" : what === "pass" ? "pass" : "unknown", message: what, evidence: [] }, { id: "traffic-split", status: "pass", message: "ok", evidence: [] }],
      ...(what === "error" ? { errorCause: "the datastore did not start" } : {}),
    }, new Date(0));
    writeFileSync(join(dir, "report.json"), JSON.stringify(r));
    writeFileSync(join(dir, "expectations.json"), JSON.stringify({ baseline: {}, nodes: { blue: [], green: [] }, propagationBoundMs: 1 }));
    return { exitCode: what === "pass" ? 0 : what === "fail" ? 1 : 3 };
  };
  const outcome = (id: string): "pass" | "fail" | "error" => (id.includes("chaos") ? "fail" : id.startsWith("2.4.1") && id.includes("blue-green") ? "error" : "pass");
  const req = request({ from: ["2.5.1", "2.4.1", "0.13.1"], scenarios: ["postgres-blue-green", "chaos-during-shift"] });
  const run = async (outDir: string, shard?: { index: number; count: number }) => {
    const clock = new ManualClock();
    return (await qualify(req, { outDir, runPair: runner(clock, outcome), clock, now: () => new Date(0), runSettings: ["--rate", "100"], ...(shard ? { shard } : {}) })).qualification;
  };
  /** What must be the same, merged or in one piece. */
  const judged = (q: Qualification) => ({
    verdict: q.verdict, requested: q.requested, planned: q.planned, refused: q.refused, completed: q.completed, planFingerprint: q.planFingerprint,
    pairs: q.pairs.map((p) => [p.id, p.verdict, p.counts, p.failedChecks.map((c) => c.id), p.durationMs, p.p99Ms, p.refusal, p.error]),
  });
  const junitTotals = (dir: string): string => /<testsuites [^>]*>/.exec(readFileSync(join(dir, "junit.xml"), "utf8"))![0];

  it("shards merged judge like the plan run in one piece: the same pairs, verdicts, counts, JUnit and exit", async () => {
    const whole = tmp("whole");
    const one = await run(whole);
    const shards = [tmp("shard1"), tmp("shard2")];
    const parts = [await run(shards[0]!, { index: 1, count: 2 }), await run(shards[1]!, { index: 2, count: 2 })];
    expect(parts.map((p) => p.pairs.length), "each shard ran part of the plan").to.deep.equal([3, 2]);
    expect(parts.map((p) => p.shard!.order)).to.deep.equal([one.pairs.map((p) => p.id), one.pairs.map((p) => p.id)]);
    const out = tmp("merged");
    const merged = mergeShards(shards, out, new Date(0)).qualification;
    expect(judged(merged)).to.deep.equal(judged(one));
    expect(one).to.include({ verdict: "fail", requested: 5, planned: 4, refused: 1, completed: 4 });
    expect(merged.pairs.map((p) => p.shard), "each pair names the shard that ran it").to.deep.equal(merged.pairs.map((p) => (parts[0]!.pairs.some((x) => x.id === p.id) ? 1 : 2)));
    expect(one.pairs.map((p) => p.shard)).to.deep.equal(one.pairs.map(() => null));
    expect(merged.mergedFrom!.map((m) => [m.shard, m.dir])).to.deep.equal([["1/2", shards[0]], ["2/2", shards[1]]]);
    expect(junitTotals(out)).to.equal(junitTotals(whole));
    expect(readFileSync(join(out, "junit.xml"), "utf8").replace(/ time="[^"]*"/g, "")).to.equal(readFileSync(join(whole, "junit.xml"), "utf8").replace(/ time="[^"]*"/g, ""));
    for (const p of merged.pairs.filter((x) => x.reportDir)) expect(readFileSync(join(out, p.reportDir!, "report.json"), "utf8"), p.id).to.equal(readFileSync(join(whole, p.reportDir!, "report.json"), "utf8"));
    expect(readFileSync(join(out, "index.html"), "utf8")).to.contain("Merged from 2 shards of plan");
    for (const q of [one, merged, ...parts]) expect(validate(schema(), JSON.parse(JSON.stringify(q))), "qualification.schema.json").to.deep.equal([]);
  });

  it("a missing shard, a shard given twice, a shard of another plan or split: exit 3 naming it", async () => {
    const a = tmp("s1");
    const b = tmp("s2");
    await run(a, { index: 1, count: 2 });
    await run(b, { index: 2, count: 2 });
    expect(() => mergeShards([a], tmp("m"), new Date(0))).to.throw(HarnessError, /^shard 2\/2 of plan [0-9a-f]{12} is missing \(given: 1\/2\)$/);
    expect(() => mergeShards([a, a], tmp("m"), new Date(0))).to.throw(HarnessError, `shard 1/2 was given twice: ${a} and ${a}`);
    const other = tmp("other");
    const clock = new ManualClock();
    await qualify(req, { outDir: other, runPair: runner(clock, outcome), clock, runSettings: ["--rate", "200"], shard: { index: 2, count: 2 } });
    expect(() => mergeShards([a, other], tmp("m"), new Date(0))).to.throw(HarnessError, `shard 2/2 (${other}) ran a different plan`);
    const three = tmp("three");
    await qualify(req, { outDir: three, runPair: runner(clock, outcome), clock, runSettings: ["--rate", "100"], shard: { index: 2, count: 3 } });
    expect(() => mergeShards([a, b, three], tmp("m"), new Date(0))).to.throw(HarnessError, `shard 2/3 (${three}) split the plan differently`);
    rmSync(join(b, "2.5.1-to-2.6.0-postgres-chaos-during-shift"), { recursive: true, force: true });
    rmSync(join(b, "2.4.1-to-2.6.0-postgres-chaos-during-shift"), { recursive: true, force: true });
    expect(() => mergeShards([a, b], tmp("m"), new Date(0))).to.throw(HarnessError, "lacks the run folder of");
  });

  it("bad input: a folder that does not exist, holds no qualification, or is no shard: exit 2 saying what to give", async () => {
    expect(() => mergeShards(["/nonexistent/kuh"], tmp("m"), new Date(0))).to.throw(InvalidConfigError, "/nonexistent/kuh is not a folder");
    const empty = tmp("empty");
    expect(() => mergeShards([empty], tmp("m"), new Date(0))).to.throw(InvalidConfigError, `${empty} holds no qualification.json: not a qualification`);
    const whole = tmp("whole");
    await run(whole);
    expect(() => mergeShards([whole], tmp("m"), new Date(0))).to.throw(InvalidConfigError, `${whole} is a qualification run in one piece, not a shard`);
    expect(() => mergeShards([], tmp("m"), new Date(0))).to.throw(InvalidConfigError, "needs the folders of the shards");
  });
});
