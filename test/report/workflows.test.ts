// The GitHub workflows pass actionlint (built from its Go module by `lab`).
import { expect } from "chai";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { labTool, PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

describe("GitHub workflows", () => {
  const dir = join(PROJECT_ROOT, ".github/workflows");

  it("ci, nightly and release-qualification exist", () => {
    expect(readdirSync(dir).sort()).to.include.members(["ci.yml", "nightly.yml", "release-qualification.yml"]);
  });

  it("pass actionlint", async function () {
    this.timeout(60_000);
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
    const r = await promisify(execFile)(labTool("actionlint"), ["-no-color", ...files], { cwd: PROJECT_ROOT }).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
    expect(r.stdout ?? "", r.stderr ?? "").to.equal("");
    expect((r as { code?: number }).code ?? 0).to.equal(0);
  });

  it("release-qualification and nightly fan out over the shards `qualify --list-shards` lists and merge them", () => {
    for (const f of ["release-qualification.yml", "nightly.yml"]) {
      const yml = readFileSync(join(dir, f), "utf8");
      expect(yml, f).to.contain("--list-shards");
      expect(yml, f).to.contain("matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}");
      expect(yml, f).to.contain('--shard "$SHARD"');
      expect(yml, f).to.contain("npx kong-upgrade-harness qualify merge shards/*/");
    }
    const nightly = readFileSync(join(dir, "nightly.yml"), "utf8");
    expect(nightly).to.contain('npx kong-upgrade-harness compare history/latest "$OUT_DIR"');
    expect(nightly).to.contain("npx kong-upgrade-harness report trend history/20*/");
  });

  it("actionlint catches a broken workflow (the check can fail)", async function () {
    this.timeout(60_000);
    const bad = "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    const child = execFile(labTool("actionlint"), ["-no-color", "-"]);
    let out = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    child.stdin?.end(bad);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).to.equal(1);
    expect(out).to.contain("matrix");
  });
});
