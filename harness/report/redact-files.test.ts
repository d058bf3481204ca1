import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { redactRunFiles } from "./redact-files.ts";

describe("redactRunFiles: no secret of a configuration stays in a run's folder", () => {
  it("rewrites every text file, in sub-folders too (a path's hops), and leaves other files and secret-free runs alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-redact-"));
    try {
      mkdirSync(join(dir, "hop-1"));
      writeFileSync(join(dir, "history.jsonl"), '{"headers":{"apikey":"sf-key-7f3a9c"}}\n');
      writeFileSync(join(dir, "hop-1", "summary.md"), "| key | sf-key-7f3a9c |\n");
      writeFileSync(join(dir, "trace.bin"), "sf-key-7f3a9c");
      expect(redactRunFiles(dir, [])).to.equal(0);
      expect(redactRunFiles(dir, ["sf-key-7f3a9c"])).to.equal(2);
      expect(readFileSync(join(dir, "history.jsonl"), "utf8")).to.equal('{"headers":{"apikey":"[redacted]"}}\n');
      expect(readFileSync(join(dir, "hop-1", "summary.md"), "utf8")).to.equal("| key | [redacted] |\n");
      expect(readFileSync(join(dir, "trace.bin"), "utf8")).to.equal("sf-key-7f3a9c");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
