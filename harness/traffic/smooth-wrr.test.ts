import { expect } from "chai";
import { SmoothWeightedRoundRobin } from "./smooth-wrr.ts";

function picks(weights: { blue: number; green: number }, n: number): ("blue" | "green" | undefined)[] {
  const wrr = new SmoothWeightedRoundRobin(weights);
  return Array.from({ length: n }, () => wrr.next());
}

describe("traffic: smooth weighted round-robin", function () {
  it("sends exactly 10 of 200 requests to green at 5%, spread evenly", function () {
    const seq = picks({ blue: 95, green: 5 }, 200);
    const greenAt = seq.flatMap((c, i) => (c === "green" ? [i] : []));
    expect(greenAt).to.have.length(10);
    // evenly spaced: one green in every 20 requests
    greenAt.forEach((i, k) => expect(Math.floor(i / 20)).to.equal(k));
  });

  it("keeps every prefix of 34 or more picks within 3 pp of every weight 0..100", function () {
    for (let green = 0; green <= 100; green++) {
      const seq = picks({ blue: 100 - green, green }, 200);
      let g = 0;
      let worst = 0;
      seq.forEach((c, i) => {
        if (c === "green") g++;
        const n = i + 1;
        if (n >= 34) worst = Math.max(worst, Math.abs((100 * g) / n - green));
      });
      expect(worst, `green ${green}%`).to.be.at.most(3);
      expect(g).to.equal(2 * green);
    }
  });

  it("never picks a zero weight, restarts on new weights, and has nothing to pick when all are 0", function () {
    expect(new Set(picks({ blue: 100, green: 0 }, 50))).to.deep.equal(new Set(["blue"]));
    const wrr = new SmoothWeightedRoundRobin({ blue: 50, green: 50 });
    expect([wrr.next(), wrr.next()]).to.deep.equal(["blue", "green"]);
    wrr.setWeights({ blue: 0, green: 100 });
    expect(wrr.next()).to.equal("green");
    wrr.setWeights({ blue: 0, green: 0 });
    expect(wrr.next()).to.equal(undefined);
    expect(() => wrr.setWeights({ blue: -1, green: 101 })).to.throw(RangeError, 'weight of "blue" must be a finite number >= 0, got -1');
  });
});
