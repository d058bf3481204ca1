import { expect } from "chai";
import { compareVersions, inRange, parseRange, parseVersion, type VersionRange } from "./version-range.ts";

const range = (text: string): VersionRange => {
  const r = parseRange(text);
  if (typeof r === "string") throw new Error(`"${text}": ${r}`);
  return r;
};
const holds = (text: string, version: string): boolean => inRange(range(text), parseVersion(version)!);

describe("version ranges of an accept file", () => {
  it("reads the versions reports name, and compares them number by number", () => {
    expect(parseVersion("2.6.0")).to.deep.equal([2, 6, 0]);
    expect(parseVersion("3.0.0-rc.1")).to.deep.equal([3, 0, 0]);
    expect(parseVersion("2.8.4.1")).to.deep.equal([2, 8, 4, 1]);
    expect(parseVersion(null)).to.equal(null);
    expect(parseVersion("latest")).to.equal(null);
    expect(compareVersions([2, 10, 0], [2, 9, 9])).to.be.above(0);
    expect(compareVersions([2, 8, 4, 1], [2, 8, 4])).to.be.above(0);
    expect(compareVersions([2, 6], [2, 6, 0])).to.equal(0);
  });

  it("a full version is that release alone; comparators are ANDed, alternatives ORed", () => {
    expect(holds("2.6.0", "2.6.0")).to.equal(true);
    expect(holds("2.6.0", "2.6.1")).to.equal(false);
    expect(holds("=2.6.0", "2.6.0")).to.equal(true);
    expect(holds(">=2.1 <3.0", "2.1.0")).to.equal(true);
    expect(holds(">=2.1 <3.0", "2.8.5")).to.equal(true);
    expect(holds(">=2.1 <3.0", "3.0.0")).to.equal(false);
    expect(holds(">=2.1 <3.0", "2.0.5")).to.equal(false);
    expect(holds(">2.5.1 <=2.8.5", "2.5.1")).to.equal(false);
    expect(holds(">2.5.1 <=2.8.5", "2.8.5")).to.equal(true);
    expect(holds("2.5.1 || 2.6.x", "2.5.1")).to.equal(true);
    expect(holds("2.5.1 || 2.6.x", "2.6.3")).to.equal(true);
    expect(holds("2.5.1 || 2.6.x", "2.5.2")).to.equal(false);
    expect(holds(">= 2.1 < 3.0", "2.5.1")).to.equal(true);
  });

  it("a partial version or x stands for every release it starts, with every operator", () => {
    expect(holds("2.6.x", "2.6.0")).to.equal(true);
    expect(holds("2.6.x", "2.6.9")).to.equal(true);
    expect(holds("2.6.x", "2.7.0")).to.equal(false);
    expect(holds("2.6", "2.6.2")).to.equal(true);
    expect(holds("2.x", "2.8.5")).to.equal(true);
    expect(holds("2.x", "3.0.0")).to.equal(false);
    expect(holds("2.*", "2.0.0")).to.equal(true);
    expect(holds("x", "9.9.9")).to.equal(true);
    expect(holds("<=2.8", "2.8.5")).to.equal(true);
    expect(holds("<=2.8", "2.9.0")).to.equal(false);
    expect(holds(">2.8", "2.8.5")).to.equal(false);
    expect(holds(">2.8", "2.9.0")).to.equal(true);
    expect(holds("<3.0", "2.8.5")).to.equal(true);
    expect(holds("<3.0", "3.0.0")).to.equal(false);
    expect(holds(">=2.1", "2.1.0")).to.equal(true);
    expect(holds(">=2.1", "2.0.9")).to.equal(false);
    expect(holds("2.8.4.x", "2.8.4.1")).to.equal(true);
  });

  it("says what is wrong with a range that is not one", () => {
    expect(parseRange("")).to.equal("is empty");
    expect(parseRange("two.six")).to.equal('"two.six" is not a version (numbers and x separated by dots, e.g. 2.6.0 or 2.6.x)');
    expect(parseRange(">=2.1 <<3.0")).to.equal('"<<3.0" is not a version (numbers and x separated by dots, e.g. 2.6.0 or 2.6.x)');
    expect(parseRange("2.x.1")).to.equal('"2.x.1": x may stand only for the last parts (2.x, 2.6.x)');
    expect(parseRange("1.2.3.4.5")).to.match(/is not a version/);
    expect(parseRange("2.5.1 ||")).to.equal('"2.5.1 ||" has an empty alternative around ||');
    expect(parseRange(">=x")).to.equal('">=x": >= needs a version');
  });
});
