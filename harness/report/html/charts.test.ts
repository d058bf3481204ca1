import { expect } from "chai";
import { condenseLagPoints, type LagPoint } from "./charts.ts";

const pt = (x: number, y: number): LagPoint => ({ x, y, title: `${x}:${y}` });

describe("condenseLagPoints", () => {
  it("leaves a run's points alone up to the limit", () => {
    const points = [pt(1, 10), pt(2, 20), pt(3, 30)];
    expect(condenseLagPoints(points, 100, 10, 3)).to.deep.equal(points);
  });

  it("past the limit keeps every point above the bound and the lowest and highest per bucket, in time order", () => {
    // 10 s in 2 buckets of 5 s (limit 4): bucket 0 has y 5..9 and one late point, bucket 1 has y 50..54.
    const points = [pt(0, 7), pt(1, 5), pt(2, 500), pt(3, 9), pt(4, 8), pt(5, 52), pt(6, 54), pt(7, 50), pt(8, 53)];
    expect(condenseLagPoints(points, 100, 10, 4).map((p) => p.title)).to.deep.equal(["1:5", "2:500", "3:9", "6:54", "7:50"]);
  });

  it("keeps every late point even when they alone exceed the limit", () => {
    const late = Array.from({ length: 10 }, (_, i) => pt(i, 1_000 + i));
    expect(condenseLagPoints([...late, pt(5, 1)], 100, 10, 4)).to.have.length(11);
  });
});
