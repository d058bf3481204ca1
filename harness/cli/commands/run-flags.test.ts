// The scenario-choice flags as the scenarios receive them: `--drift-mode record` is the new-keyspace
// scenario's "drift", `--downtime-budget-ms` a number of ms; both override the scenario file's choice.
import { expect } from "chai";
import { InvalidConfigError } from "../../errors.ts";
import { RUN_DEFAULTS, validateRunOptions } from "../../scenario/run-options.ts";
import { parseRunFlags } from "./run.ts";

describe("run flags: --downtime-budget-ms and --drift-mode", () => {
  it("map to the scenarios' options", () => {
    expect(parseRunFlags({ "downtime-budget-ms": "30000", "drift-mode": "record" })).to.include({ downtimeBudgetMs: 30_000, adminWritesAfterExport: "drift" });
    expect(parseRunFlags({ "drift-mode": "freeze" })).to.include({ downtimeBudgetMs: undefined, adminWritesAfterExport: "freeze" });
    expect(parseRunFlags({})).to.include({ downtimeBudgetMs: undefined, adminWritesAfterExport: undefined });
  });

  it("refuse bad values with a one-line reason", () => {
    expect(() => parseRunFlags({ "downtime-budget-ms": "1e4" })).to.throw(InvalidConfigError, '--downtime-budget-ms must be a positive whole number of milliseconds, e.g. 30000, but is "1e4"');
    expect(() => parseRunFlags({ "drift-mode": "Freeze" })).to.throw(InvalidConfigError, '--drift-mode must be freeze or record, but is "Freeze"');
  });

  it("are validated with the other run options when set in code", () => {
    const o = { ...RUN_DEFAULTS, oldImage: "a", newImage: "b" };
    expect(validateRunOptions({ ...o, downtimeBudgetMs: 30_000, adminWritesAfterExport: "drift" })).to.deep.equal([]);
    expect(validateRunOptions({ ...o, downtimeBudgetMs: 0 })).to.deep.equal(["the downtime budget must be a positive whole number of ms, but is 0"]);
  });
});
