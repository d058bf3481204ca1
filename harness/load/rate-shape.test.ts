import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { constant, ramp, spikes, steps } from "./rate-shape.ts";

describe("load: rate shapes", function () {
  it("constant: the same rate throughout, rps * seconds requests", function () {
    const s = constant(20);
    expect([s.rateAt(0), s.rateAt(59_999)]).to.deep.equal([20, 20]);
    expect(s.countBy(0)).to.equal(0);
    expect(s.countBy(1500)).to.equal(30);
    expect(s.countBy(-5)).to.equal(0);
    expect(s.peak).to.equal(20);
  });

  it("ramp: linear from `from` to `to` over overMs, then holds `to`", function () {
    const s = ramp(10, 50, 4000);
    expect(s.rateAt(0)).to.equal(10);
    expect(s.rateAt(2000)).to.equal(30);
    expect(s.rateAt(4000)).to.equal(50);
    expect(s.rateAt(10_000)).to.equal(50);
    // Trapezoid: (10 + 30) / 2 * 2 s = 40; whole ramp (10 + 50) / 2 * 4 s = 120; then 50/s.
    expect(s.countBy(2000)).to.equal(40);
    expect(s.countBy(4000)).to.equal(120);
    expect(s.countBy(6000)).to.equal(220);
    expect(s.peak).to.equal(50);
    // A ramp down is a ramp too.
    expect(ramp(40, 20, 1000).countBy(1000)).to.equal(30);
  });

  it("steps: each step's rate for its time, then the last one holds", function () {
    const s = steps([{ rps: 10, forMs: 1000 }, { rps: 40, forMs: 2000 }, { rps: 20, forMs: 1000 }]);
    expect([s.rateAt(0), s.rateAt(999), s.rateAt(1000), s.rateAt(2999), s.rateAt(3000), s.rateAt(9000)]).to.deep.equal([10, 10, 40, 40, 20, 20]);
    expect(s.countBy(500)).to.equal(5);
    expect(s.countBy(1000)).to.equal(10);
    expect(s.countBy(2000)).to.equal(50);
    expect(s.countBy(3000)).to.equal(90);
    expect(s.countBy(5000)).to.equal(130);
    expect(s.peak).to.equal(40);
  });

  it("spikes: base, and peak for forMs every everyMs from everyMs on; repeats", function () {
    const s = spikes({ base: 10, peak: 100, everyMs: 1000, forMs: 200 });
    expect([s.rateAt(0), s.rateAt(999), s.rateAt(1000), s.rateAt(1199), s.rateAt(1200), s.rateAt(2100)]).to.deep.equal([10, 10, 100, 100, 10, 100]);
    expect(s.countBy(1000)).to.equal(10);
    // + 0.2 s at 100/s
    expect(s.countBy(1200)).to.be.closeTo(30, 1e-9);
    // Two periods of base and one full spike: 10 + (20 + 8) = 38 by 2000 ms.
    expect(s.countBy(2000)).to.be.closeTo(38, 1e-9);
    expect(s.countBy(3100)).to.be.closeTo(38 + 28 + 10, 1e-9);
    expect(s.peak).to.equal(100);
  });

  it("countBy agrees with the integral of rateAt for every shape", function () {
    const shapes = [constant(7), ramp(3, 45, 2500), steps([{ rps: 5, forMs: 700 }, { rps: 0, forMs: 300 }, { rps: 12, forMs: 900 }]), spikes({ base: 4, peak: 30, everyMs: 900, forMs: 250 })];
    for (const s of shapes) {
      let integral = 0;
      for (let t = 0; t < 5000; t++) {
        integral += s.rateAt(t + 0.5) / 1000;
        if (t % 250 === 249) expect(s.countBy(t + 1), `${s.describe()} at ${t + 1} ms`).to.be.closeTo(integral, 0.05);
      }
    }
  });

  it("refuses rates and durations that cannot make load, naming each problem", function () {
    expect(() => constant(0)).to.throw(InvalidConfigError, "constant: rps must be a number > 0, got 0");
    expect(() => ramp(-1, 0, 0)).to.throw(InvalidConfigError, /from must be a number >= 0.*to \(the rate held after the ramp\) must be a number > 0.*overMs must be a number > 0/);
    expect(() => steps([])).to.throw(InvalidConfigError, "at least one step");
    expect(() => steps([{ rps: 10, forMs: 1000 }, { rps: 0, forMs: 1000 }])).to.throw(InvalidConfigError, "the last step's rps holds for the rest of the run and must be > 0, got 0");
    expect(() => spikes({ base: 1, peak: 5, everyMs: 1000, forMs: 1000 })).to.throw(InvalidConfigError, "forMs (1000) must be shorter than everyMs (1000)");
    expect(() => constant(Number.NaN)).to.throw(InvalidConfigError, "got NaN");
  });

  it("describes itself in one line", function () {
    expect(ramp(10, 50, 30_000).describe()).to.equal("ramp 10/s -> 50/s over 30000 ms, then 50/s");
    expect(steps([{ rps: 5, forMs: 100 }, { rps: 9, forMs: 200 }]).describe()).to.equal("steps 5/s for 100 ms, 9/s for 200 ms, then 9/s");
    expect(spikes({ base: 10, peak: 30, everyMs: 30_000, forMs: 5000 }).describe()).to.equal("10/s with spikes to 30/s for 5000 ms every 30000 ms");
  });
});
