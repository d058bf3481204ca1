import { expect } from "chai";
import type { RequestRecord } from "../checks/records.ts";
import { achievedSplit, splitByRecordedWeight, windowsFromWeightChanges } from "./split.ts";

type R = Pick<RequestRecord, "seq" | "startMs" | "cluster"> & { greenWeight?: number };
const rec = (seq: number, startMs: number, cluster: R["cluster"], greenWeight?: number): R => ({ seq, startMs, cluster, greenWeight });

describe("traffic: achieved split", function () {
  it("attributes records to step windows by start time and judges each within 3 pp", function () {
    const steps = windowsFromWeightChanges([{ atMs: 0, green: 0 }, { atMs: 100, green: 10 }, { atMs: 200, green: 50 }, { atMs: 300, green: 100 }], 400);
    expect(steps[1]).to.deep.equal({ index: 1, greenWeight: 10, fromMs: 100, toMs: 200 });
    const records: R[] = [
      ...Array.from({ length: 10 }, (_, i) => rec(i, i, "blue")),
      ...Array.from({ length: 20 }, (_, i) => rec(10 + i, 100 + i, i < 2 ? "green" : "blue")), // 10% exactly
      ...Array.from({ length: 10 }, (_, i) => rec(30 + i, 200 + i, i < 6 ? "green" : "blue")), // 60% vs 50%
      rec(40, 250, "none"), // no cluster chosen: ignored
      rec(41, 999, "green"), // after the last window: ignored
    ];
    const split = achievedSplit(records, steps);
    expect(split.map((s) => [s.requests, s.green, s.achievedGreen, s.verdict])).to.deep.equal([
      [10, 0, 0, "pass"],
      [20, 2, 10, "pass"],
      [10, 6, 60, "fail"],
      [0, 0, null, "unknown"],
    ]);
    expect(split[2]!.deviationPp).to.equal(10);
  });

  it("honours a custom tolerance", function () {
    const steps = [{ index: 0, greenWeight: 50, fromMs: 0, toMs: 10 }];
    const records = [rec(0, 1, "green"), rec(1, 2, "green"), rec(2, 3, "blue")];
    expect(achievedSplit(records, steps, 20)[0]!.verdict).to.equal("pass");
    expect(achievedSplit(records, steps)[0]!.verdict).to.equal("fail");
  });

  it("groups by the recorded weight in seq order, whatever the completion order", function () {
    const records = [rec(3, 3, "green", 50), rec(0, 0, "blue", 0), rec(2, 2, "blue", 50), rec(1, 1, "blue", 0), rec(4, 4, "blue", 0), rec(5, 5, "green")];
    expect(splitByRecordedWeight(records).map((s) => [s.index, s.plannedGreen, s.blue, s.green, s.verdict])).to.deep.equal([
      [0, 0, 2, 0, "pass"],
      [1, 50, 1, 1, "pass"],
      [2, 0, 1, 0, "pass"], // rolled back to 0: a new run of records
    ]);
  });
});
