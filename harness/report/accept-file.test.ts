import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import { readAcceptFile } from "./accept-file.ts";

const dir = mkdtempSync(join(tmpdir(), "kuh-accept-file-"));
let files = 0;
const fileWith = (yaml: string): string => {
  const file = join(dir, `accept-${++files}.yaml`);
  writeFileSync(file, yaml);
  return file;
};
/** The one-line problem readAcceptFile refuses the file with (an InvalidConfigError: exit 2). */
const problem = (file: string): string => {
  try {
    readAcceptFile(file);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidConfigError);
    const e = err as InvalidConfigError;
    expect(e.problems, e.message).to.have.length(1);
    expect(e.message).to.not.contain("\n");
    expect(e.hint).to.equal('see README, "Acknowledged findings"');
    return e.message;
  }
  throw new Error(`${file} was accepted`);
};
const GOOD = "- check: old-node-refuses-after-finish\n  old: \">=2.1 <3.0\"\n  reason: Kong does not enforce it\n";

describe("accept file (--accept)", () => {
  it("reads every field, numbering entries from 1, and keeps the file's absolute path", () => {
    const file = fileWith(`${GOOD}- check: shared-rate-limit\n  new: 2.6.x\n  message: overshoot\n  reason: the cluster policy races\n  expires: 2027-01-31\n`);
    expect(readAcceptFile(file)).to.deep.equal({ file, entries: [
      { entry: 1, check: "old-node-refuses-after-finish", old: ">=2.1 <3.0", reason: "Kong does not enforce it" },
      { entry: 2, check: "shared-rate-limit", new: "2.6.x", message: "overshoot", reason: "the cluster policy races", expires: "2027-01-31" },
    ] });
    expect(readAcceptFile(fileWith("[]\n")).entries).to.deep.equal([]);
  });

  it("reads the shipped example", () => {
    const list = readAcceptFile(join(PROJECT_ROOT, "examples/accept-kong-unenforced-old-node.yaml"));
    expect(list.entries.map((e) => [e.check, e.old, e.new, e.message])).to.deep.equal([
      ["old-node-refuses-after-finish", ">=2.0 <3.0", ">=2.1 <3.1", "Kong does not enforce the documented rule"],
    ]);
    expect(list.entries[0]!.reason).to.match(/^Kong documents that old nodes cannot start after `kong migrations finish` but does not enforce it/);
  });

  it("refuses a file that is missing, not YAML, or not a list, naming the file", () => {
    const missing = join(dir, "nope.yaml");
    expect(problem(missing)).to.equal(`accept file ${missing} cannot be read: it does not exist`);
    const bad = fileWith("- check: [\n");
    expect(problem(bad)).to.match(new RegExp(`^accept file ${bad}: not valid YAML: .+`));
    const map = fileWith("check: old-node-refuses-after-finish\n");
    expect(problem(map)).to.equal(`accept file ${map}: must be a YAML list of entries (- check: ..., old: ..., reason: ...), but is object`);
    const empty = fileWith("");
    expect(problem(empty)).to.equal(`accept file ${empty}: must be a YAML list of entries (- check: ..., old: ..., reason: ...), but is empty`);
  });

  it("refuses each bad entry naming the file, the entry and the field", () => {
    const cases: [string, string][] = [
      ["- just text\n", "entry 1: must be a mapping of check, old/new, reason (and optional message, expires)"],
      ["- old: 2.x\n  reason: r\n", 'entry 1: field "check" is required: the id of the check whose failure is acknowledged'],
      ["- check: old-node-refuses\n  old: 2.x\n  reason: r\n", 'entry 1 (old-node-refuses): field "check" "old-node-refuses" is not a check id (see the checks table in README, "What a run checks")'],
      ["- check: old-node-refuses-after-finish\n  reason: r\n", 'entry 1 (old-node-refuses-after-finish): field "old" or "new" is required: the Kong versions the finding is acknowledged for (e.g. old: ">=2.1 <3.0")'],
      ["- check: old-node-refuses-after-finish\n  old: \">=2.1 <<3\"\n  reason: r\n", 'entry 1 (old-node-refuses-after-finish): field "old" is not a version range: "<<3" is not a version (numbers and x separated by dots, e.g. 2.6.0 or 2.6.x) (e.g. ">=2.1 <3.0", "2.6.x", "2.5.1 || 2.6.x")'],
      ["- check: old-node-refuses-after-finish\n  new: 2.x.1\n  reason: r\n", 'entry 1 (old-node-refuses-after-finish): field "new" is not a version range: "2.x.1": x may stand only for the last parts (2.x, 2.6.x) (e.g. ">=2.1 <3.0", "2.6.x", "2.5.1 || 2.6.x")'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n", 'entry 1 (old-node-refuses-after-finish): field "reason" is required: say why the finding is accepted'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n  reason: \"  \"\n", 'entry 1 (old-node-refuses-after-finish): field "reason" is empty'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n  reason: [a, b]\n", 'entry 1 (old-node-refuses-after-finish): field "reason" must be text, but is a list'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n  reason: r\n  expires: 2027-02-30\n", 'entry 1 (old-node-refuses-after-finish): field "expires" must be a day written YYYY-MM-DD, but is "2027-02-30"'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n  reason: r\n  expires: next year\n", 'entry 1 (old-node-refuses-after-finish): field "expires" must be a day written YYYY-MM-DD, but is "next year"'],
      ["- check: old-node-refuses-after-finish\n  old: 2.x\n  reason: r\n  reasn: typo\n", 'entry 1 (old-node-refuses-after-finish): field "reasn" is not known (known: check, old, new, message, reason, expires)'],
      [`${GOOD}- check: shared-rate-limit\n  reason: r\n`, 'entry 2 (shared-rate-limit): field "old" or "new" is required: the Kong versions the finding is acknowledged for (e.g. old: ">=2.1 <3.0")'],
    ];
    for (const [yaml, what] of cases) {
      const file = fileWith(yaml);
      expect(problem(file), yaml).to.equal(`accept file ${file}: ${what}`);
    }
  });
});
