import { expect } from "chai";
import type { Report } from "../report/index.ts";
import { RunRegistry } from "./active-run.ts";

/** A run that says when it was torn down; its teardown is idempotent, as a scenario's is. */
function run(name: string, log: string[]): { tearDown(reason?: string): Promise<Report> } {
  let done: Promise<Report> | undefined;
  return {
    tearDown(reason?: string) {
      done ??= (async () => { log.push(`${name}: ${reason}`); return { name } as unknown as Report; })();
      return done;
    },
  };
}

describe("active runs", () => {
  it("tears down every run built in one process, in order; building a second never replaces the first", async () => {
    const log: string[] = [];
    const runs = new RunRegistry();
    runs.register(run("a", log));
    runs.register(run("b", log));
    const first = await runs.tearDownAll("interrupted by SIGINT");
    expect(log).to.deep.equal(["a: interrupted by SIGINT", "b: interrupted by SIGINT"]);
    expect((first as unknown as { name: string }).name).to.equal("a");
    expect(await runs.tearDownAll("again"), "nothing left registered").to.equal(undefined);
  });

  it("forgets a run once it left (torn down on its own)", async () => {
    const log: string[] = [];
    const runs = new RunRegistry();
    const leave = runs.register(run("a", log));
    runs.register(run("b", log));
    leave();
    await runs.tearDownAll("interrupted");
    expect(log).to.deep.equal(["b: interrupted"]);
  });
});
