import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { hashPaths } from "./recipe-hash.ts";

describe("hashPaths", () => {
  const root = mkdtempSync(join(tmpdir(), "kuh-hash-"));
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  writeFileSync(join(root, "a/build.sh"), "echo a\n");
  writeFileSync(join(root, "b/build.sh"), "echo b\n");

  it("is stable for unchanged inputs", () => {
    expect(hashPaths(root, ["a"], ["pin"])).to.equal(hashPaths(root, ["a"], ["pin"]));
  });

  it("changes when a file of the recipe changes, and only for that recipe", () => {
    const a = hashPaths(root, ["a"], []);
    const b = hashPaths(root, ["b"], []);
    writeFileSync(join(root, "a/build.sh"), "echo a2\n");
    expect(hashPaths(root, ["a"], [])).to.not.equal(a);
    expect(hashPaths(root, ["b"], [])).to.equal(b);
  });

  it("changes with the pin and with what the recipe depends on", () => {
    const base = hashPaths(root, ["a"], ["version 1", "base=h1"]);
    expect(hashPaths(root, ["a"], ["version 2", "base=h1"])).to.not.equal(base);
    expect(hashPaths(root, ["a"], ["version 1", "base=h2"])).to.not.equal(base);
  });

  it("ignores test files, which do not go into images", () => {
    const before = hashPaths(root, ["a"], []);
    writeFileSync(join(root, "a/x.test.ts"), "it()\n");
    expect(hashPaths(root, ["a"], [])).to.equal(before);
  });
});
