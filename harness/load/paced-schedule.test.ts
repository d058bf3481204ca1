import { expect } from "chai";
import { loopSchedule, peakPerSecond, shapedSchedule } from "./paced-schedule.ts";
import { ramp, steps } from "./rate-shape.ts";

describe("load: paced schedules", function () {
  it("a shaped schedule sends the whole requests its rate has made due, cycling the targets", function () {
    const s = shapedSchedule(steps([{ rps: 10, forMs: 1000 }, { rps: 40, forMs: 1000 }]), [0, 1, 2]);
    expect([s.dueBy(0), s.dueBy(99), s.dueBy(100), s.dueBy(1000), s.dueBy(1025), s.dueBy(2000)]).to.deep.equal([0, 0, 1, 10, 11, 50]);
    expect(Array.from({ length: 7 }, (_, k) => s.targetOf(k))).to.deep.equal([0, 1, 2, 0, 1, 2, 0]);
  });

  it("never decreases, and a late tick owes every request due meanwhile", function () {
    const s = shapedSchedule(ramp(0, 100, 2000), [0]);
    let last = 0;
    for (let t = 0; t <= 3000; t += 7) {
      const due = s.dueBy(t);
      expect(due).to.be.at.least(last);
      last = due;
    }
    // 0 -> 100/s over 2 s is 100 requests, then 100/s.
    expect(s.dueBy(2000)).to.equal(100);
    expect(s.dueBy(3000)).to.equal(200);
  });

  it("a loop schedule repeats its events every period", function () {
    const s = loopSchedule([0, 100, 100, 250], [3, 1, 2, 0], 400);
    expect([s.dueBy(-1), s.dueBy(0), s.dueBy(99), s.dueBy(100), s.dueBy(399), s.dueBy(400), s.dueBy(500), s.dueBy(1250)]).to.deep.equal([0, 1, 1, 3, 4, 5, 7, 13]);
    expect(Array.from({ length: 6 }, (_, k) => s.targetOf(k))).to.deep.equal([3, 1, 2, 0, 3, 1]);
  });

  it("peak per second counts the busiest second, across the loop's seam too", function () {
    expect(peakPerSecond([0, 100, 200, 1500], 3000)).to.equal(3);
    // 1900 and the next loop's 0, 100, 200 (at 2000..2200) fall in one second.
    expect(peakPerSecond([0, 100, 200, 1900], 2000)).to.equal(4);
  });
});
