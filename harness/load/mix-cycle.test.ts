import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { clusterOfRequest } from "../traffic/haproxy/split-rule.ts";
import { MAX_CYCLE, weightedCycle } from "./mix-cycle.ts";

const countsOf = (order: readonly number[], n: number): number[] => {
  const c = Array.from({ length: n }, () => 0);
  for (const i of order) c[i]!++;
  return c;
};
const coprimeWith10 = (n: number): boolean => n % 2 === 1 && n % 5 !== 0;

/** Which clusters each cycle position reaches when the cycle repeats behind the load balancer at green `green`%. */
function clustersPerProbe(order: readonly number[], probes: number, green: number): Set<string>[] {
  const reached = Array.from({ length: probes }, () => new Set<string>());
  for (let k = 0; k < order.length * 100; k++) reached[order[k % order.length]!]!.add(clusterOfRequest(k + 1, green));
  return reached;
}

describe("load: weighted cycle", function () {
  it("equal weights, odd count: each index once, in order (the default mix)", function () {
    const cycle = weightedCycle(Array.from({ length: 11 }, () => 1));
    expect(cycle.order).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(cycle.exact).to.equal(true);
  });

  it("integer weights: exact counts, interleaved rather than in bursts", function () {
    const cycle = weightedCycle([9, 9, 1]);
    expect(cycle.order).to.have.length(19);
    expect(countsOf(cycle.order, 3)).to.deep.equal([9, 9, 1]);
    expect(cycle.exact).to.equal(true);
    // No index twice in a row while another one is still owed in the cycle.
    const repeats = cycle.order.filter((i, k) => k > 0 && cycle.order[k - 1] === i).length;
    expect(repeats).to.equal(0);
  });

  it("decimal weights are proportions: 0.5 and 1.5 are 1 and 3", function () {
    const cycle = weightedCycle([0.5, 1.5, 1.5]);
    expect(countsOf(cycle.order, 3)).to.deep.equal([1, 3, 3]);
    expect(cycle.exact).to.equal(true);
  });

  it("a length sharing a factor with 10 is lengthened: scaled, then one to three slots more; shares within 10%", function () {
    for (const weights of [[1, 1], [1, 1, 1, 1], Array.from({ length: 12 }, () => 1), [3, 2], [7, 3], [2, 2, 1]]) {
      const cycle = weightedCycle(weights);
      expect(coprimeWith10(cycle.order.length), `${weights} -> ${cycle.order.length}`).to.equal(true);
      expect(cycle.exact).to.equal(false);
      const total = weights.reduce((a, b) => a + b, 0);
      countsOf(cycle.order, weights.length).forEach((c, i) => {
        const wanted = (weights[i]! / total) * cycle.order.length;
        expect(Math.abs(c - wanted) / wanted, `${weights}: index ${i} has ${c} of ${cycle.order.length}`).to.be.at.most(0.1);
      });
    }
  });

  it("every probe of a cycle reaches both clusters at 50%, 25% and 10% green; an even cycle would not", function () {
    for (const weights of [Array.from({ length: 12 }, () => 1), [9, 9, 9, 9, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
      const cycle = weightedCycle(weights);
      for (const green of [50, 25, 10]) {
        clustersPerProbe(cycle.order, weights.length, green).forEach((reached, i) => {
          expect([...reached].sort(), `weights ${weights}, green ${green}%, index ${i}`).to.deep.equal(["blue", "green"]);
        });
      }
    }
    // The property the length exists for: twelve probes sent once each in order, at 50%.
    const even = clustersPerProbe([...Array(12).keys()], 12, 50);
    expect(even.every((reached) => reached.size === 1)).to.equal(true);
  });

  it("weights too far apart for an exact cycle are approximated within MAX_CYCLE, each keeping a slot", function () {
    const cycle = weightedCycle([1000, 999, 0.001]);
    expect(cycle.order.length).to.be.at.most(MAX_CYCLE);
    expect(coprimeWith10(cycle.order.length)).to.equal(true);
    const counts = countsOf(cycle.order, 3);
    expect(counts[2]).to.equal(1);
    expect(Math.abs(counts[0]! - counts[1]!)).to.be.at.most(2);
  });

  it("refuses a weight below 0.001, or none at all", function () {
    expect(() => weightedCycle([1, 0.0001])).to.throw(InvalidConfigError, "weight 2 must be at least 0.001, got 0.0001");
    expect(() => weightedCycle([])).to.throw(InvalidConfigError, "at least one probe");
  });
});
