// A team's own gateway under the upgrade: the storefront configuration (examples/storefront/kong.yaml)
// seeds the old cluster, probes are generated for each of its routes and learned from the old
// cluster, load/storefront.ts drives the load, and the run goes through the real CLI on stand-in
// images (2.5.1 -> 2.6.0). Clean, it passes; with new nodes whose own error answers changed, the
// finding names the storefront's own routes. Either way no secret of
// the file reaches any file of the run.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { runScenario, type ScenarioRun } from "./scenario-run.ts";

const CONFIG = "examples/storefront/kong.yaml";
const RUN = { old: "2.5.1", new: "2.6.0", steps: [0, 50, 100], rate: 100, holdMs: 1_500, oldNodes: 1, newNodes: 2 } as const;
const FLAGS = ["--config", CONFIG, "--load", "load/storefront.ts"];
/** The stand-in, like Kong, lets a 2.5.1 node start after finish: acknowledged as users would. */
const ACCEPT = ["--accept", "examples/accept-kong-unenforced-old-node.yaml"];

/** Every key and password of the file: none may appear in any file of the run. */
function storefrontSecrets(): string[] {
  const doc = parse(readFileSync(CONFIG, "utf8")) as { consumers?: { keyauth_credentials?: { key: string }[]; basicauth_credentials?: { password: string }[] }[] };
  const secrets = (doc.consumers ?? []).flatMap((c) => [...(c.keyauth_credentials ?? []).map((k) => k.key), ...(c.basicauth_credentials ?? []).map((b) => b.password)]);
  expect(secrets.length, "the storefront file holds keys and passwords").to.be.greaterThan(3);
  return secrets;
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory() ? filesOf(file) : [file];
  });
}

function expectNoSecrets(run: ScenarioRun): void {
  const files = filesOf(run.reportDir);
  for (const name of ["report.json", "report.html", "junit.xml", "summary.md"]) expect(files.map((f) => f.split("/").pop()), `${name} written`).to.include(name);
  const secrets = storefrontSecrets();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const found = secrets.filter((s) => text.includes(s));
    expect(found, `secrets in ${file}`).to.deep.equal([]);
  }
  // Redacted, not absent: the places where they stood say so.
  expect(readFileSync(join(run.reportDir, "history.jsonl"), "utf8")).to.include("[redacted]");
}

describe("your own configuration and load profile: the storefront, 2.5.1 -> 2.6.0 on stand-ins", function () {
  this.timeout(600_000);

  it("a clean upgrade passes: every storefront route probed, baselined on the old cluster and judged; no secret in any report file", async () => {
    const run = await runScenario({ ...RUN, flags: [...FLAGS, ...ACCEPT] });
    expect(run.notPassing, `${run.cli.stdout.slice(-3000)}\n${run.report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`).join("\n")}`).to.deep.equal(["old-node-refuses-after-finish"]);
    expect([run.check("old-node-refuses-after-finish").status, run.report.verdict, run.cli.code]).to.deep.equal(["accepted", "pass", 0]);
    const expectations = JSON.parse(readFileSync(join(run.reportDir, "expectations.json"), "utf8")) as { baseline: Record<string, number[]> };
    const routes = (parse(readFileSync(CONFIG, "utf8")) as { services: { routes?: unknown[] }[] }).services.reduce((n, s) => n + (s.routes?.length ?? 0), 0);
    expect(Object.keys(expectations.baseline).length, "probes baselined").to.be.at.least(routes);
    // The refusals judged are the storefront's own (generated from its routes' authentication plugins).
    expect(run.check("security-parity").message).to.match(/no request that the baseline refuses got 200: .*:no-credentials/);
    expectNoSecrets(run);
  });

  it("new nodes whose own error answers changed: the finding names the storefront's own routes", async () => {
    const run = await runScenario({ ...RUN, flags: [...FLAGS, ...ACCEPT], faults: "green=error-body-changed" });
    expect(run.cli.code, run.cli.stdout.slice(-2000)).to.equal(1);
    const parity = run.check("response-parity");
    expect(parity.status).to.equal("fail");
    // A storefront probe Kong refuses itself (no key on a basket route): its message moved on the new nodes.
    expect(parity.evidence.join("\n")).to.match(/^[a-z-]+:(no-credentials|wrong-credentials|acl-denied): body message: old "[^"]+" \(blue-\d\), new missing \(green-\d\), during /m);
    expectNoSecrets(run);
  });
});
