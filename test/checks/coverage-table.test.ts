// The coverage table in reports/README.md (check -> the scenario-level tests that make it fail) is
// generated from the tests: it must be current, and the generator must find every proof and refuse
// a proof it cannot place.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BEGIN, checkIds, collectProofs, currentReadme, END, proofsIn, README, renderTable, ROOT, testFiles } from "../../scripts/coverage-table.ts";

const SOURCE = `
const CASES = [
  { title: "switch-a on the new nodes", catches: "zero-failed-requests", alsoCatches: { "security-parity": { message: [] }, "readiness-honest": X } },
  { title: "not a row", run: {} },
];
describe("d", () => {
  for (const old of ["2.1.4"]) {
    // Why this run fails.
    // proves: old-node-refuses-after-finish, downtime-window
    it(\`\${old} -> 2.6.0 fails\`, async () => {});
  }
  it("passes everything", () => {});
});
`;

describe("coverage table (reports/README.md)", () => {
  it("is current: regenerate it with `npm run coverage-table` after adding or changing a proving test", () => {
    const table = (text: string): string[] => text.slice(text.indexOf(BEGIN), text.indexOf(END)).split("\n");
    const have = readFileSync(join(ROOT, README), "utf8");
    const want = currentReadme();
    expect(table(have), `the coverage table in ${README} is out of date: run \`npm run coverage-table\``).to.deep.equal(table(want));
    expect(have === want, `${README} differs outside the table from what the generator writes`).to.equal(true);
  });

  it("has a row for every check of every list in harness/checks/index.ts", () => {
    const table = renderTable(checkIds(), collectProofs());
    for (const id of checkIds()) expect(table, id).to.match(new RegExp(`^\\| \`${id}\` \\| `, "m"));
    expect(checkIds()).to.include.members(["zero-failed-requests", "downtime-window", "keyspace-drift", "fresh-install", "fault-expectations", "migration-recovery"]);
  });

  it("finds fault-switch rows (catches, alsoCatches) and `// proves:` lines above an it(, with their titles", () => {
    expect(proofsIn("t.test.ts", SOURCE).map((p) => [p.check, p.title, p.line])).to.deep.equal([
      ["zero-failed-requests", "switch-a on the new nodes", 3],
      ["security-parity", "switch-a on the new nodes", 3],
      ["readiness-honest", "switch-a on the new nodes", 3],
      ["old-node-refuses-after-finish", "${old} -> 2.6.0 fails", 10],
      ["downtime-window", "${old} -> 2.6.0 fails", 10],
    ]);
  });

  it("refuses a `// proves:` line attached to no it(, and an unknown check id", () => {
    expect(() => proofsIn("t.test.ts", `// proves: zero-failed-requests\nconst x = 1;\nit("t", () => {});\n`)).to.throw("t.test.ts:1: `// proves:` must be in the comments directly above an `it(` (no code between)");
    expect(() => collectProofs(["t.test.ts"], checkIds(), () => `// proves: zero-failed-request\nit("t", () => {});\n`))
      .to.throw("unknown check ids (not in harness/checks/index.ts): zero-failed-request (t.test.ts:2)");
  });

  it("reads every test file under test/, the scenario and chaos tests among them", () => {
    const files = testFiles();
    expect(files).to.include.members(["test/scenario/fault-switches.test.ts", "test/chaos/node-kill-retries.test.ts", "test/checks/coverage-table.test.ts"]);
    expect(new Set(collectProofs().map((p) => p.file))).to.include("test/scenario/fault-switches.test.ts");
  });

  it("lists a check no test proves as none", () => {
    expect(renderTable(["a-check", "b-check"], [{ check: "b-check", file: "test/x.test.ts", title: "x | y", line: 1 }]).split("\n")).to.deep.equal([
      "1 of 2 checks are shown failing by a scenario-level test; without one: `a-check`.",
      "",
      "| check | test file | test |",
      "|---|---|---|",
      "| `a-check` | none | |",
      "| `b-check` | `test/x.test.ts` | x \\| y |",
    ]);
  });
});
