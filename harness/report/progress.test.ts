import { expect } from "chai";
import { ManualClock } from "../traffic/index.ts";
import { Progress, elapsedText } from "./progress.ts";

function setup(isTTY: boolean): { clock: ManualClock; out: string[]; p: Progress } {
  const clock = new ManualClock(1000);
  const out: string[] = [];
  return { clock, out, p: new Progress({ write: (t) => out.push(t), isTTY, clock }) };
}

describe("Progress", () => {
  it("without a TTY prints one plain line per phase and per step, nothing per tick", () => {
    const { clock, out, p } = setup(false);
    p.phase("MigrationsUp");
    clock.advance(500);
    p.tick({ requests: 50, failures: 0 });
    clock.advance(1000);
    p.tick({ requests: 150, failures: 2 });
    p.step(50);
    p.close();
    expect(out).to.deep.equal([
      "[progress] 0:00.0 phase MigrationsUp (0 requests, 0 failed so far)\n",
      "[progress] 0:01.5 step green 50% (150 requests, 2 failed so far)\n",
    ]);
  });

  it("on a TTY redraws one live line with phase, weight, req/s, failures and elapsed time", () => {
    const { clock, out, p } = setup(true);
    p.phase("Shift");
    p.step(25);
    clock.advance(1000);
    p.tick({ requests: 0, failures: 0 });
    clock.advance(2000);
    p.tick({ requests: 400, failures: 3 });
    expect(out.at(-1)).to.equal("\r\x1b[2K[0:03.0] · Shift · green 25% · 200 req/s · 400 requests · 3 failed");
    expect(out.every((l) => l.startsWith("\r\x1b[2K"))).to.equal(true);
    p.close("done");
    expect(out.slice(-2)).to.deep.equal(["\n", "done\n"]);
    p.tick({ requests: 500, failures: 3 });
    expect(out.at(-1)).to.equal("done\n");
  });

  it("throttles live redraws between events", () => {
    const { clock, out, p } = setup(true);
    p.tick({ requests: 1, failures: 0 });
    const drawn = out.length;
    clock.advance(50);
    p.tick({ requests: 2, failures: 0 });
    expect(out.length).to.equal(drawn);
    clock.advance(200);
    p.tick({ requests: 3, failures: 0 });
    expect(out.length).to.equal(drawn + 1);
  });

  it("measures req/s over a sliding window", () => {
    const { clock, p } = setup(false);
    expect(p.rate()).to.equal(null);
    for (let i = 0; i <= 20; i++) { p.tick({ requests: i * (i < 10 ? 100 : 10), failures: 0 }); clock.advance(1000); }
    // The last 5 s ran at 10 req/s, the first 10 s at 100 req/s: the window only sees the recent rate.
    expect(p.rate()).to.be.closeTo(10, 0.01);
    expect(elapsedText(61_500)).to.equal("1:01.5");
  });
});
