import { expect } from "chai";
import { nextWorkable } from "./lab-schedule.ts";

// The lab's pins in their order, with their dependencies (lab/pins.ts, abridged).
const DEPS: Record<string, readonly string[]> = {
  base: [], postgres: ["base"], cassandra: ["base"], toxiproxy: [], haproxy: ["base"], "node-base": ["base"], vegeta: [], "kong-standin-2.6.0": ["node-base"],
};
const ORDER = ["postgres", "cassandra", "toxiproxy", "haproxy", "node-base", "vegeta", "kong-standin-2.6.0"];

function pick(waiting: readonly string[], done: readonly string[], started: readonly string[]): string {
  const i = nextWorkable(waiting, { dependsOn: (id) => DEPS[id]!, done: (id) => done.includes(id), started: [...done, ...started] });
  return waiting[i]!;
}

describe("lab: which component a free build lane takes next", () => {
  it("on a fresh machine the first lane takes the first pin, which starts the base root filesystem it needs", () => {
    expect(pick(ORDER, [], [])).to.equal("postgres");
  });

  it("while the base is being built, the second lane takes a component that does not need it", () => {
    expect(pick(ORDER.slice(1), [], ["base", "postgres"])).to.equal("toxiproxy");
  });

  it("the base counts as claimed as soon as a lane took a component that needs it (before that lane gets to build it)", () => {
    expect(pick(ORDER.slice(1), [], ["postgres"])).to.equal("toxiproxy");
  });

  it("a component found present claims nothing: once postgres is done without the base, the next lane builds the base for cassandra", () => {
    expect(pick(ORDER.slice(1), ["postgres"], [])).to.equal("cassandra");
  });

  it("a component two levels up waits like its dependency: the stand-in is passed over while node-base waits for the base", () => {
    expect(pick(["node-base", "kong-standin-2.6.0", "vegeta"], [], ["base"])).to.equal("vegeta");
    expect(pick(["kong-standin-2.6.0", "vegeta"], ["base"], ["node-base"])).to.equal("vegeta");
  });

  it("once the base is done, the pins' order holds again", () => {
    expect(pick(["cassandra", "haproxy", "vegeta"], ["base"], ["postgres"])).to.equal("cassandra");
  });

  it("when every component would wait, the first (the lane waits with it rather than idling)", () => {
    expect(pick(["cassandra", "haproxy"], [], ["base"])).to.equal("cassandra");
  });
});
