// `run --path` through the real CLI against stand-ins on Postgres: 2.5.1 -> 3.0.1, which `plan`
// routes through 2.8.x (2.8.2 or later) first, runs as ONE scenario: one datastore bootstrapped and
// seeded once, hop 2's old cluster (2.8.5) serving what hop 1 left, one report with both hops.
// Known findings stay visible and are asserted as such: in each hop the old node started after
// `finish` starts and serves (Kong does not enforce the documented rule). Hop 2 is judged with 3.x's
// router rebuild timer (worker_state_update_frequency) in its propagation bound.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Op } from "../../harness/checks/index.ts";
import type { Report } from "../../harness/report/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { catalogue } from "../../standin/src/catalogue/versions.ts";
import { validate, type Schema } from "../report/support/json-schema.ts";
import { findAll, parseXml } from "../report/support/xml.ts";
import { runCli, type CliResult } from "../support/cli.ts";

interface MetaRow { readonly subsystem: string; readonly executed: readonly string[]; readonly pending: readonly string[] }

const history = (dir: string): Op[] => readFileSync(join(dir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Op);
/** The datastore's schema_meta as read directly at a label ("after-finish"), the last such reading of the hop. */
const schemaMeta = (dir: string, label: string): MetaRow[] => {
  const op = history(dir).filter((o) => o.f === "schema-meta" && o.type === "ok" && (o.value as { label: string }).label === label).at(-1);
  expect(op, `no schema-meta "${label}" in ${dir}`).to.not.equal(undefined);
  return (op!.value as { rows: MetaRow[] }).rows;
};
/** Every migration of a version's catalogue that schema_meta does not show as executed. */
const missingFrom = (rows: readonly MetaRow[], version: string): string[] => {
  const cat = catalogue(version);
  const subsystems = [cat.core, ...cat.pluginSubsystems.values()];
  return subsystems.flatMap((s) => {
    const row = rows.find((r) => r.subsystem === s.name);
    return s.migrations.filter((m) => !row?.executed.includes(m.name)).map((m) => `${s.name}/${m.name}`);
  });
};
/** Checks that 3.x's eventual router can fail in hop 2, and the only problem they may then name. */
const OLD_NODE_STARTS = (old: string, fin: string): string =>
  `kong-standin:${old} started against a database finished by kong-standin:${fin} and served 11/11 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3`;

describe("scenario: a 2-hop upgrade path (2.5.1 -> 2.8.5 -> 3.0.1) on one Postgres, one report", function () {
  this.timeout(6 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), "kuh-path-"));
  let cli: CliResult;
  let report: Report;

  before(async () => {
    cli = await runCli(["run", "--path", "--from", "2.5.1", "--to", "3.0.1", "--image-template", "kong-standin:{version}", "--releases", "2.8.5",
      "--old-nodes", "1", "--new-nodes", "1", "--rate", "100", "--hold-ms", "1500", "--steps", "0,50,100", "--report-dir", dir], {}, 5 * 60_000);
    expect(existsSync(join(dir, "report.json")), `no report.json (exit ${cli.code}):\n${cli.stdout.slice(-3000)}\n${cli.stderr.slice(-2000)}`).to.equal(true);
    report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
  });

  it("writes one report with both hops, as `plan` prescribed them, each run to the end", () => {
    expect(report.hops?.map((h) => [h.index, h.from, h.to, h.versions.old, h.versions.new, h.procedure, h.ran, h.failedStep])).to.deep.equal([
      [1, "2.5.1", "2.8.x", "2.5.1", "2.8.5", "postgres-blue-green", true, null],
      [2, "2.8.x", "3.0.1", "2.8.5", "3.0.1", "postgres-blue-green", true, null],
    ]);
    expect([report.scenario, report.versions]).to.deep.equal(["upgrade-path", { old: "2.5.1", new: "3.0.1" }]);
    expect(["hop-1", "hop-2"].map((h) => existsSync(join(dir, h, "report.json")))).to.deep.equal([false, false]);
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/report.schema.json"), "utf8")) as Schema;
    expect(validate(schema, report)).to.deep.equal([]);
    expect(report.schemaVersion).to.equal((schema.properties as { schemaVersion: { const: number } }).schemaVersion.const);
  });

  it("bootstraps and seeds once: hop 2 starts on the data hop 1 left", () => {
    const [h1, h2] = [history(join(dir, "hop-1")), history(join(dir, "hop-2"))];
    const count = (ops: Op[], f: string): number => ops.filter((o) => o.f === f && o.type === "ok").length;
    expect([count(h1, "migrations-bootstrap"), count(h2, "migrations-bootstrap")]).to.deep.equal([1, 0]);
    expect(h2.find((o) => o.f === "seed" && o.type === "ok")?.value).to.deep.include({ carriedFrom: "hop 1 (2.5.1 -> 2.8.x)" });
    // What hop 1 finished with is exactly what hop 2 found before its `up`.
    expect(schemaMeta(join(dir, "hop-2"), "before-up")).to.deep.equal(schemaMeta(join(dir, "hop-1"), "after-finish"));
  });

  it("leaves the datastore's schema_meta at the target's after hop 2 (not after hop 1)", () => {
    const after2 = schemaMeta(join(dir, "hop-2"), "after-finish");
    expect(missingFrom(after2, "3.0.1")).to.deep.equal([]);
    expect(after2.filter((r) => r.pending.length > 0)).to.deep.equal([]);
    expect(missingFrom(schemaMeta(join(dir, "hop-1"), "after-finish"), "3.0.1")).to.include("core/016_280_to_300");
  });

  // proves: old-node-refuses-after-finish
  it("judges each hop with its checks: the known findings fail, asserted as such, and nothing else", () => {
    const [h1, h2] = report.hops!;
    const notPassing = (h: NonNullable<Report["hops"]>[number]): Record<string, string> =>
      Object.fromEntries(h.checks.filter((c) => c.status !== "pass").map((c) => [c.id, `${c.status}: ${c.message}`]));
    // Hop 1: a 2.5.1 node starts after the 2.8.5 finish and serves (Kong does not enforce the rule).
    expect(notPassing(h1!), "hop 1").to.deep.equal({ "old-node-refuses-after-finish": `fail: ${OLD_NODE_STARTS("2.5.1", "2.8.5")}` });
    // Hop 2: the same for a 2.8.5 node after the 3.0.1 finish ...
    expect(notPassing(h2!), "hop 2").to.deep.equal({ "old-node-refuses-after-finish": `fail: ${OLD_NODE_STARTS("2.8.5", "3.0.1")}` });
    // The bound: db_update_frequency (1 s) + 2 s margin on hop 1; plus 3.x's 5 s rebuild timer on hop 2.
    const bound = (h: NonNullable<Report["hops"]>[number]): string | undefined => /within (\d+) ms/.exec(h.checks.find((c) => c.id === "admin-writes-propagated")?.message ?? "")?.[1];
    expect([bound(h1!), bound(h2!)], "propagation bounds").to.deep.equal(["3000", "8000"]);
    expect([h1!.verdict, h2!.verdict]).to.deep.equal(["fail", "fail"]);
    expect(report.checks.map((c) => c.id)).to.deep.equal(report.hops!.flatMap((h) => h.checks.map((c) => `hop-${h.index}-${c.id}`)));
    expect(report.checks.filter((c) => c.status !== "pass").map((c) => c.id)).to.deep.equal([
      "hop-1-old-node-refuses-after-finish", "hop-2-old-node-refuses-after-finish",
    ]);
    expect([cli.code, report.verdict]).to.deep.equal([1, "fail"]);
  });

  it("renders every hop: JUnit suites per hop with prefixed case names, Markdown and HTML hop sections", () => {
    const root = parseXml(readFileSync(join(dir, "junit.xml"), "utf8"));
    const suites = findAll(root, "testsuite");
    expect(suites.map((s) => s.attrs.name)).to.deep.equal(["hop 1: postgres-blue-green 2.5.1 -> 2.8.5", "hop 2: postgres-blue-green 2.8.5 -> 3.0.1"]);
    expect(findAll(root, "testcase").map((c) => c.attrs.name)).to.deep.equal(report.checks.map((c) => c.id));
    expect(findAll(root, "testcase").filter((c) => c.children.some((x) => x.name === "failure")).map((c) => c.attrs.name))
      .to.deep.equal(report.checks.filter((c) => c.status === "fail").map((c) => c.id));
    const md = readFileSync(join(dir, "summary.md"), "utf8");
    expect(md).to.match(/^\| 1 \| 2\.5\.1 → 2\.8\.5 \| postgres-blue-green \| ❌ fail \| 1 failed, 0 unknown, \d+ passed \| – \|$/m);
    expect(md).to.match(/^\| 2 \| 2\.8\.5 → 3\.0\.1 \| postgres-blue-green \| ❌ fail \| 1 failed, 0 unknown, \d+ passed \| – \|$/m);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).to.contain('<section id="hops">');
    expect(html.match(/<section id="hop-\d" class="hop" data-hop="\d" data-verdict="\w+" data-ran="true">/g)).to.deep.equal([
      '<section id="hop-1" class="hop" data-hop="1" data-verdict="fail" data-ran="true">', '<section id="hop-2" class="hop" data-hop="2" data-verdict="fail" data-ran="true">',
    ]);
    // Each hop's timeline, drawn from its own requests.jsonl.
    expect(["hop-1-chart-weight", "hop-2-chart-weight", "hop-2-chart-failures"].map((id) => html.includes(`id="${id}"`))).to.deep.equal([true, true, true]);
  });

  it("`check` re-runs each hop's checks from its folder and finds the same verdicts", async () => {
    const before = report.checks.map((c) => [c.id, c.status]);
    const r = await runCli(["check", dir]);
    const again = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
    expect(r.code, r.stderr).to.equal(1);
    expect(again.checks.map((c) => [c.id, c.status])).to.deep.equal(before);
    expect(again.hops?.map((h) => h.verdict)).to.deep.equal(report.hops?.map((h) => h.verdict));
    expect(again.recheckedAt).to.be.a("string");
  });

  it("keeps progress clear per hop", () => {
    const lines = cli.stdout.split("\n");
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    const order = [/\[run\] Starting hop 1\/2: kong-standin:2\.5\.1 -> kong-standin:2\.8\.5 \(postgres-blue-green\)$/, /phase hop 1\/2 MigrationsUp/, /\[run\] Finished hop 1\/2: FAIL \(1 failed/,
      /\[run\] Starting hop 2\/2: kong-standin:2\.8\.5 -> kong-standin:3\.0\.1 \(postgres-blue-green\), on the data hop 1 left$/, /phase hop 2\/2 MigrationsUp/, /\[run\] Finished hop 2\/2: FAIL/, /\[run\] Verdict: FAIL/].map(at);
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `${JSON.stringify(order)}\n${cli.stdout.slice(-4000)}`).to.equal(true);
  });
});
