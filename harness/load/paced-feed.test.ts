import { expect } from "chai";
import { PacedFeed, SendTimes } from "./paced-feed.ts";
import { loopSchedule } from "./paced-schedule.ts";

function feedWith(durationMs: number) {
  const clock = { now: 0, monotonicMs: () => clock.now, epochMs: () => 1_000_000 + clock.now };
  const writes: string[] = [];
  let ended = 0;
  const feed = new PacedFeed({
    schedule: loopSchedule([0, 30, 30, 70], [0, 1, 0, 1], 100),
    lines: ["A\n", "B\n"], keys: ["GET /a", "GET /b"], durationMs,
    write: (chunk) => writes.push(chunk), end: () => ended++, clock,
  });
  return { clock, writes, feed, ended: () => ended };
}

describe("load: paced feed", function () {
  it("each tick writes the lines due by now, by absolute time: a late tick catches up, nothing twice", function () {
    const { clock, writes, feed } = feedWith(10_000);
    // Offsets 0, 30, 30, 70 repeating every 100 ms; targets A B A B.
    feed.start();
    clock.now = 35;
    feed.tick();
    feed.tick();
    clock.now = 180;
    feed.tick();
    feed.stop();
    expect(writes).to.deep.equal(["A\n", "B\nA\n", "B\nA\nB\nA\nB\n"]);
    expect(feed.written).to.equal(8);
  });

  it("ends the input at the duration, with what is due by then and nothing after", function () {
    const { clock, writes, feed, ended } = feedWith(50);
    feed.start();
    clock.now = 500;
    feed.tick();
    feed.tick();
    expect(writes.join("")).to.equal("A\nB\nA\n");
    expect(ended()).to.equal(1);
  });

  it("send times: the n-th result of a key takes the n-th write, kept within vegeta's own window", function () {
    const t = new SendTimes();
    t.record("GET /a", 5_000);
    t.record("GET /a", 6_000);
    // vegeta's worker waited from 1000 and got the answer at 5010: the request went out at 5000.
    expect(t.correct("GET /a", 1_000, 4_010 * 1e6)).to.deep.equal({ timestampMs: 5_000, latencyNs: 10 * 1e6 });
    // A worker that took the line late (all busy) sent it when it took it.
    expect(t.correct("GET /a", 6_200, 5 * 1e6)).to.deep.equal({ timestampMs: 6_200, latencyNs: 5 * 1e6 });
    // No write left for the key: vegeta's numbers as they are.
    expect(t.correct("GET /a", 7_000, 3 * 1e6)).to.deep.equal({ timestampMs: 7_000, latencyNs: 3 * 1e6 });
  });
});
