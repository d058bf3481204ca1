// `qualify --list-shards`, `--shard`, `--scenarios`, `qualify merge`, `compare` of qualifications and
// `report trend` through the real CLI, on input that starts no container: bad input, the matrix
// GitHub Actions reads, a merge refused for a missing shard, and the history pages of the nightly.
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AXIS_SCENARIOS, qualify, type PairRunner } from "../../harness/qualify/index.ts";
import { assembleReport } from "../../harness/report/report.ts";
import { ManualClock } from "../../harness/traffic/index.ts";
import { runCli } from "../support/cli.ts";
import { writeNight } from "../qualify/nights.ts";

const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `kuh-${what}-`));
const REQUEST = ["--target", "2.6.0", "--from", "2.5.1,2.4.1", "--standin", "--scenarios", "postgres-blue-green,migration-killed-during-up"];

describe("CLI: qualification at scale (no containers)", function () {
  this.timeout(60_000);

  it("--list-shards N prints the shards as a GitHub Actions matrix and runs nothing; more runners than runs are capped", async () => {
    const r = await runCli(["qualify", ...REQUEST, "--list-shards", "2", "--hold-ms", "500", "--steps", "0,100"]);
    expect(r.code, r.stderr).to.equal(0);
    const m = JSON.parse(r.stdout) as { include: { shard: string; index: number; count: number; pairs: number; expectedSeconds: number }[] };
    expect(m.include.map((e) => [e.shard, e.index, e.count, e.pairs])).to.deep.equal([["1/2", 1, 2, 2], ["2/2", 2, 2, 2]]);
    const capped = await runCli(["qualify", ...REQUEST, "--list-shards", "9"]);
    expect((JSON.parse(capped.stdout) as { include: unknown[] }).include).to.have.length(4);
    expect(capped.stderr.trim()).to.equal("note: the plan has 4 runs: 4 shards, not 9");
  });

  it("bad input is refused before anything runs: exit 2, one line saying what to give", async () => {
    const cases: [string[], string][] = [
      [["qualify", ...REQUEST.slice(0, -2), "--scenarios", "postgres-blue-green,chaos"], `error: --scenarios: unknown scenario "chaos"; the scenarios are ${AXIS_SCENARIOS.map((s) => s.name).join(", ")} (run \`kong-upgrade-harness help\`)`],
      [["qualify", ...REQUEST, "--shard", "3/2"], 'error: --shard must be K/N with 1 <= K <= N (e.g. 2/4), but is "3/2" (`qualify --list-shards N` lists the shards of N runners)'],
      [["qualify", ...REQUEST, "--timings", "nope.json"], "error: --timings balances shards: give it with --shard K/N or --list-shards N"],
      [["qualify", ...REQUEST, "--list-shards", "2", "--timings", "/nonexistent/q.json"], "error: --timings: /nonexistent/q.json does not exist (give the qualification.json of an earlier qualification (or its folder))"],
      [["qualify", "merge", "/nonexistent/shard-1"], "error: /nonexistent/shard-1 is not a folder (give the folders `qualify --shard K/N` wrote, one per shard)"],
      [["report", "trend", "/nonexistent/night"], "error: /nonexistent/night is not a qualification: it does not exist (give a qualification folder (or its qualification.json) written by `kong-upgrade-harness qualify`)"],
    ];
    for (const [args, line] of cases) {
      const r = await runCli(args);
      expect([r.code, r.stderr.trim()], args.join(" ")).to.deep.equal([2, line]);
    }
  });

  it("qualify merge: a shard missing is exit 3, naming it; all shards merge into one qualification", async () => {
    const clock = new ManualClock();
    const runPair: PairRunner = async (pair, dir) => {
      clock.advance(10_000);
      writeFileSync(join(dir, "report.json"), JSON.stringify(assembleReport({ scenario: "postgres-blue-green", versions: { old: pair.from, new: pair.target }, checks: [{ id: "zero-failed-requests", status: "pass", message: "ok", evidence: [] }] }, new Date(0))));
      writeFileSync(join(dir, "expectations.json"), JSON.stringify({ baseline: {}, nodes: { blue: [], green: [] }, propagationBoundMs: 1 }));
      return { exitCode: 0 };
    };
    const request = { target: "2.6.0", from: ["2.5.1", "2.4.1"], datastores: ["postgres" as const], imageTemplate: "kong-standin:{version}" };
    const shards = [tmp("s1"), tmp("s2"), tmp("s3")];
    for (const [i, dir] of shards.entries()) await qualify(request, { outDir: dir, runPair, clock, shard: { index: i + 1, count: 3 } });
    const out = tmp("merged");
    const missing = await runCli(["qualify", "merge", shards[0]!, shards[2]!, "--out", out, "--no-step-summary"]);
    expect(missing.code).to.equal(3);
    expect(missing.stderr.trim()).to.match(/^error: shard 2\/3 of plan [0-9a-f]{12} is missing \(given: 1\/3, 3\/3\) \(download every shard's artifact, or run the missing shard again\)$/);
    expect(existsSync(join(out, "qualification.json")), "nothing written").to.equal(false);
    const summary = join(tmp("summary"), "summary.md");
    const ok = await runCli(["qualify", "merge", ...shards, "--out", out], { GITHUB_STEP_SUMMARY: summary });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain("QUALIFIED: 2 of 2 pairs passed; merged 3 shards");
    expect(readFileSync(summary, "utf8")).to.contain("Merged from 3 shards of plan");
  });

  it("compare of two nights' qualifications: new failures, fixed, run time; exit 1 on a new failure; the summary for the job", async () => {
    const a = tmp("night-a");
    const b = tmp("night-b");
    writeNight(a, "2027-01-01T02:17:00.000Z", { "2.5.1-to-2.6.0-postgres": { verdict: "pass", s: 30 }, "2.4.1-to-2.6.0-postgres": { verdict: "fail" } });
    writeNight(b, "2027-01-02T02:17:00.000Z", { "2.5.1-to-2.6.0-postgres": { verdict: "fail", s: 200 }, "2.4.1-to-2.6.0-postgres": { verdict: "pass" } });
    const summary = join(tmp("summary"), "summary.md");
    const r = await runCli(["compare", a, b, "--out", join(b, "compare.json")], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout.split("\n").slice(0, 5)).to.deep.equal([
      `REGRESSION: qualification ${b} against ${a}: 1 new failures, 1 fixed, 0 still failing, 1 slower`,
      "new failures:", "  2.5.1-to-2.6.0-postgres: pass -> fail (zero-failed-requests)", "fixed:", "  2.4.1-to-2.6.0-postgres: fail -> pass (was: zero-failed-requests)",
    ]);
    expect(readFileSync(summary, "utf8")).to.contain("| ❌ new failure | `2.5.1-to-2.6.0-postgres` | pass → fail | zero-failed-requests |");
    expect((JSON.parse(readFileSync(join(b, "compare.json"), "utf8")) as { verdict: string }).verdict).to.equal("regression");
    const mixed = await runCli(["compare", a, tmp("empty")]);
    expect(mixed.code).to.equal(2);
  });

  it("report trend writes one page from several nights", async () => {
    const nights = [tmp("n1"), tmp("n2")];
    writeNight(nights[0]!, "2027-01-01T02:17:00.000Z", { "2.5.1-to-2.6.0-postgres": { verdict: "pass" } });
    writeNight(nights[1]!, "2027-01-02T02:17:00.000Z", { "2.5.1-to-2.6.0-postgres": { verdict: "fail" } });
    const out = join(tmp("trend"), "trend.html");
    const r = await runCli(["report", "trend", ...nights, "--out", out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(readFileSync(out, "utf8")).to.contain('<body data-nights="2" data-flaky="0" data-degrading="0">');
  });
});
