import { expect } from "chai";
import { RunFixture } from "../checks/testing.ts";
import { RunPosition } from "./triggers.ts";

describe("chaos: triggers from the run's history", () => {
  it("fires a phase or step trigger at its offset, waits before it, and is missed once the span ended first", () => {
    const fx = new RunFixture();
    const pos = new RunPosition();
    pos.update(fx.history.all());
    expect(pos.due({ phase: "Shift", afterMs: 500 }, 0).state).to.equal("wait");
    fx.at(1_000).phase("Shift").step(0, 0).at(1_200);
    pos.update(fx.history.all());
    expect(pos.due({ phase: "Shift", afterMs: 500 }, 1_200).state).to.equal("wait");
    expect(pos.due({ phase: "Shift", afterMs: 500 }, 1_500).state).to.equal("fire");
    expect(pos.due({ step: 50, afterMs: 0 }, 1_500).state).to.equal("wait");
    fx.at(2_000).step(1, 50).at(2_100).step(2, 100);
    pos.update(fx.history.all());
    expect(pos.due({ step: 50, afterMs: 50 }, 2_100).state).to.equal("fire");
    expect(pos.due({ step: 50, afterMs: 500 }, 2_600)).to.deep.equal({ state: "missed", reason: "step 50% ended 100ms after it started, before the fault's offset of 500ms" });
    expect(pos.due({ atMs: 3_000 }, 2_999).state).to.equal("wait");
    expect(pos.due({ atMs: 3_000 }, 3_000).state).to.equal("fire");
  });
});
