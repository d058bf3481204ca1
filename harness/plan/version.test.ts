import { expect } from "chai";
import { atLeast, below, compareVersions, parseVersion, unknownRelease, v } from "./version.ts";

describe("Kong versions", () => {
  it("parses releases and series, and nothing else", () => {
    expect(parseVersion("2.6.0")).to.deep.equal({ major: 2, minor: 6, patch: 0 });
    expect(parseVersion("2.5.x")).to.deep.equal({ major: 2, minor: 5, patch: undefined });
    for (const bad of ["2.6", "v2.6.0", "2.6.0.1", "2.6.0-alpine", "x.6.0", ""]) expect(parseVersion(bad), bad).to.equal(undefined);
  });
  it("orders numerically, a series as its lowest patch", () => {
    expect(compareVersions(v("2.10.0"), v("2.9.0"))).to.be.greaterThan(0);
    expect(compareVersions(v("2.5.x"), v("2.5.1"))).to.be.lessThan(0);
  });
  it("a series is below a bound only when all of its patches are", () => {
    expect(below(v("2.8.x"), "2.8.2")).to.equal(false);
    expect(below(v("2.8.1"), "2.8.2")).to.equal(true);
    expect(below(v("2.1.x"), "2.2.0")).to.equal(true);
    expect(atLeast(v("2.2.x"), "2.2.0")).to.equal(true);
  });
  it("knows which releases exist", () => {
    expect(unknownRelease(v("2.8.5"))).to.equal(undefined);
    expect(unknownRelease(v("0.14.1"))).to.equal(undefined);
    expect(unknownRelease(v("2.9.0"))).to.equal("Kong 2.9 was never released (2.x ends at 2.8)");
  });
});
