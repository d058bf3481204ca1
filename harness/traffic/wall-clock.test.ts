import { expect } from "chai";
import { WallClockLead } from "./wall-clock.ts";

describe("WallClockLead", () => {
  it("follows a wall clock that gains 5 ms a second on the monotonic one, to within 1 ms, and one stepped back", () => {
    let mono = 1_000_000.25;
    let lead = 7.6;
    const lead0 = new WallClockLead(() => ({ monotonicMs: mono, wallMs: Math.floor(mono + lead) }));
    for (let i = 0; i < 600; i++) {
      mono += 100;
      lead += 0.5;
      const est = lead0.now();
      expect(Math.abs(est - lead), `at ${i}`).to.be.at.most(1);
    }
    lead -= 250;
    mono += 100;
    expect(Math.abs(lead0.now() - lead)).to.be.at.most(1);
  });
});
