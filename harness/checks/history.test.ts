import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History, HistoryRuleError, pairOps, readHistory } from "./history.ts";
import { ManualClock } from "./testing.ts";

describe("History", () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "kuh-history-")); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("records invoke and completion with index, time, process, f and node, and writes each line at once", () => {
    const clock = new ManualClock(5);
    const file = join(dir, "history.jsonl");
    const h = new History(clock, file);
    const inv = h.invoke("admin-writer", "admin-write", { writeId: "w-1" }, { node: "blue-1" });
    expect(readFileSync(file, "utf8").trim().split("\n")).to.have.length(1);
    clock.set(9);
    const done = h.info(inv, "timeout");
    h.close();
    expect(done).to.deep.equal({ index: 1, timeMs: 9, process: "admin-writer", node: "blue-1", f: "admin-write", type: "info", value: { writeId: "w-1" }, error: "timeout" });
    expect(readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l))).to.deep.equal([...h.all()]);
  });

  it("refuses a completion without an open invocation", () => {
    const h = new History(new ManualClock());
    const inv = h.invoke("p", "read", null);
    h.ok(inv);
    expect(() => h.ok(inv)).to.throw(HistoryRuleError, 'History rule violated: op 2 (p ok read): completion without an open invocation of process "p"');
  });

  it("refuses a completion whose f differs from its invocation", () => {
    const h = new History(new ManualClock());
    h.invoke("p", "read", null);
    const other = { index: 0, timeMs: 0, process: "p", type: "invoke" as const, f: "write", value: null };
    expect(() => h.ok(other)).to.throw(HistoryRuleError, 'op 1 (p ok write): completes op 0 whose f is "read"');
  });

  it("refuses a second open invocation on one process, and time going back", () => {
    const clock = new ManualClock(10);
    const h = new History(clock);
    h.invoke("p", "read", null);
    expect(() => h.invoke("p", "write", null)).to.throw(HistoryRuleError, 'process "p" already has an open invocation (op 0, read)');
    clock.set(3);
    expect(() => h.invoke("q", "read", null)).to.throw(HistoryRuleError, "time 3 ms is before the previous op's 10 ms");
    expect(h.all()).to.have.length(1);
  });

  it("refuses completing a completion and an unknown type when re-read", async () => {
    const h = new History(new ManualClock());
    const ok = h.event("p", "seed", { entities: [] });
    expect(() => h.ok(ok)).to.throw(HistoryRuleError, "op 1 is a ok, not an invocation");
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, `${JSON.stringify({ index: 0, timeMs: 0, process: "p", type: "done", f: "x", value: null })}\n`);
    try {
      await readHistory(file);
      expect.fail("readHistory accepted an op of type done");
    } catch (err) {
      expect((err as Error).message).to.equal('History rule violated: op 0 (p done x): type must be invoke, ok, fail or info, got "done"');
    }
  });

  it("run() records ok with the result, or info with the error and rethrows", async () => {
    const h = new History(new ManualClock());
    expect(await h.run("m", "migrations-up", { image: "x" }, async () => ({ exitCode: 0 }))).to.deep.equal({ exitCode: 0 });
    let thrown: unknown;
    await h.run("m", "migrations-finish", {}, async () => { throw new Error("socket hang up"); }).catch((e: unknown) => { thrown = e; });
    expect((thrown as Error).message).to.equal("socket hang up");
    expect(h.all().map((o) => `${o.type} ${o.f} ${o.error ?? ""}`.trim())).to.deep.equal(["invoke migrations-up", "ok migrations-up", "invoke migrations-finish", "info migrations-finish socket hang up"]);
  });

  it("reads a history back, dropping a torn last line, and pairs ops; open ones stay open", async () => {
    const clock = new ManualClock();
    const file = join(dir, "history.jsonl");
    const h = new History(clock, file);
    const a = h.invoke("a", "admin-write", 1);
    h.invoke("b", "admin-write", 2);
    clock.set(4);
    h.ok(a);
    h.close();
    writeFileSync(file, `${readFileSync(file, "utf8")}{"index":3,"ti`);
    const ops = await readHistory(file);
    expect(ops).to.have.length(3);
    const pairs = pairOps(ops, "admin-write");
    expect(pairs.map((p) => [p.invoke.process, p.completion?.timeMs ?? null])).to.deep.equal([["a", 4], ["b", null]]);
    expect(h.openInvocations().map((o) => o.process)).to.deep.equal(["b"]);
  });
});
