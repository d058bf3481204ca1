import { expect } from "chai";
import { runCheck, runChecks, worst, type Check, type CheckResult } from "./check.ts";
import { RunFixture } from "./testing.ts";

const fixed = (id: string, status: CheckResult["status"]): Check => ({ id, description: id, check: async () => ({ id, status, message: status, evidence: [] }) });

describe("check composition", () => {
  it("keeps the worst: fail > unknown > pass", () => {
    const r = (status: CheckResult["status"]) => ({ status });
    expect(worst([r("pass"), r("unknown"), r("pass")])).to.equal("unknown");
    expect(worst([r("unknown"), r("fail"), r("pass")])).to.equal("fail");
    expect(worst([r("pass"), r("pass")])).to.equal("pass");
  });

  it("turns a check that throws into unknown with the error, and runs the others", async () => {
    const boom: Check = { id: "boom", description: "", check: async () => { throw new TypeError("x is undefined"); } };
    const r = await runCheck(boom, new RunFixture().ctx());
    expect([r.id, r.status, r.message]).to.deep.equal(["boom", "unknown", "check threw, so its verdict is unknown: TypeError: x is undefined"]);
    const all = await runChecks([fixed("a", "pass"), boom, fixed("c", "pass")], new RunFixture().ctx());
    expect([all.status, all.results.map((x) => x.status)]).to.deep.equal(["unknown", ["pass", "unknown", "pass"]]);
  });

  it("is unknown with no checks at all, and fail when one fails", async () => {
    expect((await runChecks([], new RunFixture().ctx())).status).to.equal("unknown");
    expect((await runChecks([fixed("a", "unknown"), fixed("b", "fail")], new RunFixture().ctx())).status).to.equal("fail");
  });
});
