import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { CASSANDRA_REJECTED } from "../plan/index.ts";
import { assembleReport } from "../report/report.ts";
import { ManualClock } from "../traffic/index.ts";
import { exitCodeOfVerdict } from "../cli/exit-codes.ts";
import { headline, planMatrix, qualify, type PairRunner, type QualifyRequest } from "./index.ts";
import { overallVerdict } from "./qualification-report.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import { validate, type Schema } from "../../test/report/support/json-schema.ts";

const request = (o: Partial<QualifyRequest> = {}): QualifyRequest => ({ target: "2.6.0", from: ["2.5.1", "1.5.1"], datastores: ["postgres"], imageTemplate: "kong-standin:{version}", ...o });
const MULTI_HOP = "the plan needs 3 hops (0.13.1 -> 0.14.1 -> 1.5.x -> 2.6.0); qualify runs one-hop pairs: run this path with `kong-upgrade-harness run --path --from 0.13.1 --to 2.6.0 --datastore postgres`";

describe("planMatrix (harness/plan's rules)", () => {
  it("plans one run per (datastore, source version), with the plan's procedure and scenario, images from the template", () => {
    const plan = planMatrix(request({ from: ["2.5.1", "2.2.2", "2.1.4"], datastores: ["postgres", "cassandra"] }));
    expect(plan.runs.map((p) => [p.id, p.procedure, p.scenario, p.oldImage, p.newImage])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "postgres-blue-green", "scenarios/postgres-blue-green.ts", "kong-standin:2.5.1", "kong-standin:2.6.0"],
      ["2.2.2-to-2.6.0-postgres", "postgres-blue-green", "scenarios/postgres-blue-green.ts", "kong-standin:2.2.2", "kong-standin:2.6.0"],
      ["2.1.4-to-2.6.0-postgres", "postgres-blue-green", "scenarios/postgres-blue-green.ts", "kong-standin:2.1.4", "kong-standin:2.6.0"],
      ["2.5.1-to-2.6.0-cassandra", "cassandra-in-place", "scenarios/cassandra-in-place.ts", "kong-standin:2.5.1", "kong-standin:2.6.0"],
      ["2.2.2-to-2.6.0-cassandra", "cassandra-in-place", "scenarios/cassandra-in-place.ts", "kong-standin:2.2.2", "kong-standin:2.6.0"],
      ["2.1.4-to-2.6.0-cassandra", "cassandra-new-keyspace", "scenarios/cassandra-new-keyspace.ts", "kong-standin:2.1.4", "kong-standin:2.6.0"],
    ]);
    expect(plan.runs[5]!.alternatives).to.deep.equal(["cassandra-in-place"]);
    expect(plan.runs[5]!.reason).to.match(/^Cassandra schemas of 2\.1\.x and lower are incompatible with 2\.6\.x: a new keyspace/);
    expect(plan.refused).to.deep.equal([]);
  });

  it("keeps multi-hop pairs and pairs the plan refuses, with the plan's reason, in request order", () => {
    const plan = planMatrix(request({ from: ["0.13.1", "2.5.1"] }));
    expect(plan.order).to.deep.equal(["0.13.1-to-2.6.0-postgres", "2.5.1-to-2.6.0-postgres"]);
    expect(plan.runs.map((p) => p.id)).to.deep.equal(["2.5.1-to-2.6.0-postgres"]);
    expect(plan.refused).to.deep.equal([{ id: "0.13.1-to-2.6.0-postgres", from: "0.13.1", target: "2.6.0", datastore: "postgres", refusal: MULTI_HOP, path: "0.13.1 -> 0.14.1 -> 1.5.x -> 2.6.0" }]);
    const three = planMatrix(request({ target: "3.5.0", from: ["3.0.1"], datastores: ["postgres", "cassandra"] }));
    expect(three.runs.map((p) => p.id)).to.deep.equal(["3.0.1-to-3.5.0-postgres"]);
    expect(three.refused.map((r) => [r.id, r.refusal])).to.deep.equal([["3.0.1-to-3.5.0-cassandra", CASSANDRA_REJECTED]]);
    expect(planMatrix(request({ from: ["2.8.5"] })).refused[0]!.refusal).to.equal("downgrade from 2.8.5 to 2.6.0 is not supported: Kong's migrations only go forward (restore a backup taken on 2.8.5 instead)");
  });

  it("reports every problem of the request at once, before planning runs", () => {
    expect(() => planMatrix(request({ target: "x", from: [], imageTemplate: "kong" }))).to.throw(InvalidConfigError,
      '--target must be a version like 2.6.0, but is "x"; --from needs at least one source version, e.g. --from 2.5.1,2.4.1; --image-template must contain {version}, but is "kong"');
    expect(() => planMatrix(request({ target: "2.9.0", from: ["1.6.0", "2.5.1"] }))).to.throw(InvalidConfigError,
      "--from: Kong 1.6 was never released (1.x ends at 1.5); --target: Kong 2.9 was never released (2.x ends at 2.8)");
  });
});

describe("qualify", () => {
  it("runs each planned pair in order and writes a verdict per pair (refused ones included) and overall", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kuh-qualify-"));
    const clock = new ManualClock();
    const seen: string[] = [];
    const runPair: PairRunner = async (pair, dir) => {
      seen.push(pair.id);
      clock.advance(30_000);
      if (pair.from === "1.5.1") return { exitCode: 3, error: "docker went away" };
      const status = pair.from === "2.5.1" ? "fail" : "pass";
      const r = assembleReport({ scenario: "postgres-blue-green", versions: { old: pair.from, new: pair.target }, checks: [{ id: "zero-failed-requests", status, message: `it ${status}ed`, evidence: [] }] }, new Date(0));
      writeFileSync(join(dir, "report.json"), JSON.stringify(r));
      writeFileSync(join(dir, "expectations.json"), JSON.stringify({ baseline: {}, nodes: { blue: [], green: [] }, propagationBoundMs: 1 }));
      return { exitCode: status === "pass" ? 0 : 1 };
    };
    const res = await qualify(request({ from: ["2.5.1", "0.13.1", "2.4.1", "1.5.1"] }), { outDir, runPair, clock, now: () => new Date(0) });
    expect(seen).to.deep.equal(["2.5.1-to-2.6.0-postgres", "2.4.1-to-2.6.0-postgres", "1.5.1-to-2.6.0-postgres"]);
    const q = res.qualification;
    expect(q).to.include({ verdict: "fail", requested: 4, planned: 3, refused: 1, completed: 3, interrupted: false });
    expect(q.pairs.map((p) => [p.id, p.verdict, p.durationMs])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "fail", 30_000], ["0.13.1-to-2.6.0-postgres", "refused", 0], ["2.4.1-to-2.6.0-postgres", "pass", 30_000], ["1.5.1-to-2.6.0-postgres", "error", 30_000],
    ]);
    expect(q.pairs[1]).to.include({ refusal: MULTI_HOP, reportDir: null, procedure: null });
    expect(q.pairs[3]!.error).to.equal("docker went away");
    expect(q.pairs[0]!.failedChecks).to.deep.equal([{ id: "zero-failed-requests", status: "fail", message: "it failed" }]);
    const junit = readFileSync(res.files.junit, "utf8");
    expect(junit).to.match(/<testsuites name="qualification of Kong 2.6.0" tests="4" failures="1" errors="1"/);
    expect(junit).to.contain('name="run-completed"');
    expect(junit).to.contain(`<testsuite name="postgres: 0.13.1 -&gt; 2.6.0" tests="1" failures="0" errors="0" skipped="1" time="0">`);
    const html = readFileSync(res.files.html, "utf8");
    expect(html).to.contain("✘ NOT QUALIFIED: 1 of 4 pairs passed; 1 failed, 1 not judged, 1 refused by the plan (not run)");
    expect(html).to.contain('data-pair="0.13.1-to-2.6.0-postgres" data-verdict="refused"');
    expect(readFileSync(res.files.markdown, "utf8")).to.contain("| ⛔ refused | 0.13.1 → 2.6.0 | postgres | – | – | the plan needs 3 hops");
    expect(readFileSync(join(outDir, "2.4.1-to-2.6.0-postgres", "report.html"), "utf8")).to.contain('data-verdict="pass"');
  });

  it("an aborted qualification reports the pairs it did not run as not-run", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kuh-qualify-"));
    const controller = new AbortController();
    const runPair: PairRunner = async () => { controller.abort(); return { exitCode: 130, error: "interrupted" }; };
    const res = await qualify(request(), { outDir, runPair, clock: new ManualClock(), signal: controller.signal, now: () => new Date(0) });
    expect(res.qualification.pairs.map((p) => [p.id, p.verdict])).to.deep.equal([["2.5.1-to-2.6.0-postgres", "error"], ["1.5.1-to-2.6.0-postgres", "not-run"]]);
    expect(res.qualification.pairs[1]).to.include({ refusal: "the qualification was interrupted before this pair", procedure: "postgres-blue-green" });
    // The interrupted pair was not judged, and no pair failed: the qualification is not judged either.
    expect(res.qualification).to.include({ verdict: "error", interrupted: true });
  });
});

describe("qualify: pairs a step outside the upgrade stopped (verdict error)", () => {
  const CAUSE = "`kong migrations bootstrap` exited 1: kong-standin:2.5.1 cannot log in to the datastore: Kong 2.5.1's Postgres client (pgmoon 1.12.0) cannot use SCRAM-SHA-256 authentication";
  /** Each source version's run: pass, fail (exit 1) or error (report verdict error, exit 3), as `outcome` says. */
  const runner = (outcome: Record<string, "pass" | "fail" | "error">): PairRunner => async (pair, dir) => {
    const what = outcome[pair.from]!;
    const checks = [{ id: "zero-failed-requests", status: what === "fail" ? "fail" as const : what === "pass" ? "pass" as const : "unknown" as const, message: what, evidence: [] }];
    const r = assembleReport({ scenario: "postgres-blue-green", versions: { old: pair.from, new: pair.target }, checks, ...(what === "error" ? { errorCause: CAUSE } : {}) }, new Date(0));
    writeFileSync(join(dir, "report.json"), JSON.stringify(r));
    writeFileSync(join(dir, "expectations.json"), JSON.stringify({ baseline: {}, nodes: { blue: [], green: [] }, propagationBoundMs: 1 }));
    return { exitCode: exitCodeOfVerdict(what) };
  };
  const run = (outcome: Record<string, "pass" | "fail" | "error">) =>
    qualify(request({ from: Object.keys(outcome) }), { outDir: mkdtempSync(join(tmpdir(), "kuh-qualify-err-")), runPair: runner(outcome), clock: new ManualClock(), now: () => new Date(0) });

  it("counts the pair as error, apart from fail, with the run's cause; exit 3 when none failed", async () => {
    const res = await run({ "2.5.1": "error", "2.4.1": "pass" });
    const q = res.qualification;
    expect(q.pairs.map((p) => [p.id, p.verdict, p.exitCode, p.error])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "error", 3, CAUSE], ["2.4.1-to-2.6.0-postgres", "pass", 0, null],
    ]);
    expect(q.verdict).to.equal("error");
    expect(exitCodeOfVerdict(q.verdict), "qualify's exit code").to.equal(3);
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/qualification.schema.json"), "utf8")) as Schema;
    expect(validate(schema, JSON.parse(readFileSync(res.files.json, "utf8")))).to.deep.equal([]);
    expect(headline(q)).to.equal("NOT QUALIFIED: 1 of 2 pairs passed; 1 not judged");
    expect(readFileSync(res.files.junit, "utf8")).to.contain(`<error message="${CAUSE.replace(/'/g, "&apos;")}" type="error">`);
    expect(readFileSync(res.files.html, "utf8")).to.contain('data-pair="2.5.1-to-2.6.0-postgres" data-verdict="error"');
    expect(readFileSync(res.files.markdown, "utf8")).to.contain("| ⚠️ error | 2.5.1 → 2.6.0 |");
  });

  it("a failed upgrade outweighs a pair not judged: verdict fail, exit 1", async () => {
    const q = (await run({ "2.5.1": "error", "2.4.1": "fail" })).qualification;
    expect(q.pairs.map((p) => p.verdict)).to.deep.equal(["error", "fail"]);
    expect([q.verdict, exitCodeOfVerdict(q.verdict)]).to.deep.equal(["fail", 1]);
    expect(overallVerdict([{ verdict: "error" }, { verdict: "refused" }])).to.equal("error");
    expect(overallVerdict([{ verdict: "pass" }, { verdict: "refused" }])).to.equal("fail");
    expect(overallVerdict([{ verdict: "pass" }])).to.equal("pass");
  });
});
