// --seed reaches only a scenario that draws at random from it (a chaos scenario's fault schedule,
// drawn by SeededRandom): any other scenario refuses it rather than record a seed that changed nothing.
import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { resolveSchedule, type FaultSpec } from "../chaos/schedule.ts";
import { runOptions, setRunOptions, RUN_DEFAULTS, validateRunOptions } from "./run-options.ts";

const DEFAULTS = { oldImage: "kong-standin:1.5.1", newImage: "kong-standin:2.6.0" };

describe("run options: --seed", () => {
  afterEach(() => setRunOptions({}));

  it("is refused by a scenario that draws nothing at random", () => {
    setRunOptions({ seed: 7 });
    expect(() => runOptions(DEFAULTS)).to.throw(InvalidConfigError, "--seed is for scenarios that draw at random");
  });

  it("reaches a scenario that draws at random, and its schedule follows it", () => {
    const spec: FaultSpec = { id: "kill", kind: "kill", target: { randomNode: "green" }, at: { step: 50, afterMs: 0 }, forMs: 1_000, expect: { kind: "zero-failures" } };
    const targetOf = (seed: number): string => {
      setRunOptions({ seed });
      const o = runOptions(DEFAULTS, { drawsAtRandom: true });
      expect(o.seed).to.equal(seed);
      const [fault] = resolveSchedule([spec], { seed: o.seed, toxiproxy: false, steps: o.steps, nodes: { blue: ["blue-1"], green: ["green-1", "green-2", "green-3", "green-4"] } });
      return JSON.stringify(fault);
    };
    // The same seed draws the same node; among 8 seeds, more than one node is drawn.
    expect(targetOf(3)).to.equal(targetOf(3));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map(targetOf)).size).to.be.greaterThan(1);
  });

  it("without --seed, every scenario gets the default seed", () => {
    expect(runOptions(DEFAULTS).seed).to.equal(RUN_DEFAULTS.seed);
  });

  it("must be a whole number the PRNG keeps whole (32 bits)", () => {
    const o = { ...RUN_DEFAULTS, ...DEFAULTS };
    expect(validateRunOptions({ ...o, seed: 0xffff_ffff })).to.deep.equal([]);
    for (const seed of [-1, 1.5, 2 ** 32]) expect(validateRunOptions({ ...o, seed })).to.deep.equal([`the seed must be a whole number from 0 to 4294967295, but is ${seed}`]);
  });
});

describe("run options: the images a scenario runs, checked as it asks for its options", () => {
  afterEach(() => setRunOptions({}));

  it("hands the CLI's check each role's image, and what it throws stops the scenario before it builds its run", () => {
    const seen: { old: string; new: string }[] = [];
    setRunOptions({ newImage: "kong-standin:2.8.5" }, (_faults, images) => { seen.push({ ...images }); });
    runOptions(DEFAULTS);
    expect(seen).to.deep.equal([{ old: "kong-standin:1.5.1", new: "kong-standin:2.8.5" }]);
    setRunOptions({}, () => { throw new InvalidConfigError(['image "kong-standin:1.5.1" is not present and could not be pulled']); });
    expect(() => runOptions(DEFAULTS)).to.throw(InvalidConfigError, "could not be pulled");
  });

  it("a scenario that runs only the new image: checked in both roles, and --old refused rather than ignored", () => {
    const seen: { old: string; new: string }[] = [];
    setRunOptions({ newImage: "kong-standin:2.6.0" }, (_faults, images) => { seen.push({ ...images }); });
    runOptions(DEFAULTS, { newImageOnly: true });
    expect(seen).to.deep.equal([{ old: "kong-standin:2.6.0", new: "kong-standin:2.6.0" }]);
    setRunOptions({ oldImage: "kong-standin:2.5.1", newImage: "kong-standin:2.6.0" });
    expect(() => runOptions(DEFAULTS, { newImageOnly: true })).to.throw(InvalidConfigError, "this scenario runs one image, the new one");
  });

  it("outside the CLI (a test building a scenario), nothing checks the images", () => {
    expect(runOptions({ oldImage: "absent:1", newImage: "absent:2" })).to.include({ oldImage: "absent:1", newImage: "absent:2" });
  });
});
