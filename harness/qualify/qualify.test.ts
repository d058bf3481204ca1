import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { assembleReport } from "../report/report.ts";
import { ManualClock } from "../traffic/index.ts";
import { planMatrix, qualify, type PairRunner, type QualifyRequest } from "./index.ts";

const request = (o: Partial<QualifyRequest> = {}): QualifyRequest => ({ target: "2.6.0", from: ["2.5.1", "1.5.1"], datastores: ["postgres"], imageTemplate: "kong-standin:{version}", ...o });

describe("planMatrix", () => {
  it("plans one Postgres blue/green run per source version, images from the template", () => {
    const pairs = planMatrix(request());
    expect(pairs.map((p) => [p.id, p.oldImage, p.newImage, p.scenario])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "kong-standin:2.5.1", "kong-standin:2.6.0", "scenarios/postgres-blue-green.ts"],
      ["1.5.1-to-2.6.0-postgres", "kong-standin:1.5.1", "kong-standin:2.6.0", "scenarios/postgres-blue-green.ts"],
    ]);
  });

  it("reports every problem at once, and refuses pairs the planner cannot run", () => {
    expect(() => planMatrix(request({ target: "x", from: [], imageTemplate: "kong" }))).to.throw(InvalidConfigError,
      '--target must be a version like 2.6.0, but is "x"; --from needs at least one source version, e.g. --from 2.5.1,2.4.1; --image-template must contain {version}, but is "kong"');
    expect(() => planMatrix(request({ datastores: ["cassandra"], from: ["2.5.1"] }))).to.throw(InvalidConfigError,
      "2.5.1 -> 2.6.0 on cassandra: no cassandra scenario yet: only postgres can be qualified until the Cassandra scenarios exist");
  });
});

describe("qualify", () => {
  it("runs each pair in order and writes a verdict per pair and overall", async () => {
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
    const res = await qualify(request({ from: ["2.5.1", "2.4.1", "1.5.1"] }), { outDir, runPair, clock, now: () => new Date(0) });
    expect(seen).to.deep.equal(["2.5.1-to-2.6.0-postgres", "2.4.1-to-2.6.0-postgres", "1.5.1-to-2.6.0-postgres"]);
    const q = res.qualification;
    expect(q.verdict).to.equal("fail");
    expect(q.pairs.map((p) => [p.id, p.verdict, p.durationMs])).to.deep.equal([
      ["2.5.1-to-2.6.0-postgres", "fail", 30_000], ["2.4.1-to-2.6.0-postgres", "pass", 30_000], ["1.5.1-to-2.6.0-postgres", "error", 30_000],
    ]);
    expect(q.pairs[2]!.error).to.equal("docker went away");
    expect(q.pairs[0]!.failedChecks).to.deep.equal([{ id: "zero-failed-requests", status: "fail", message: "it failed" }]);
    const junit = readFileSync(res.files.junit, "utf8");
    expect(junit).to.match(/<testsuites name="qualification of Kong 2.6.0" tests="3" failures="1" errors="1"/);
    expect(junit).to.contain('name="run-completed"');
    expect(readFileSync(res.files.html, "utf8")).to.contain("✘ NOT QUALIFIED: 1 of 3 pairs passed");
    expect(readFileSync(join(outDir, "2.4.1-to-2.6.0-postgres", "report.html"), "utf8")).to.contain('data-verdict="pass"');
  });
});
