import { expect } from "chai";
import { renderHtml, reportView } from "../report/html/index.ts";
import { assembleReport, formatSummary, renderJunit, renderMarkdown } from "../report/index.ts";
import { ADDITIVE, meaningChanges } from "./entity-meaning.ts";
import { entityLabel, oldDataAfterFinish } from "./old-data-after-finish.ts";
import { F, type EntityAfterFinishValue } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const CONSUMER = { id: "7f925cf3-0000-4000-8000-000000000001", created_at: 1, username: null, custom_id: "cust-42", tags: null };
const PLUGIN = { id: "02d64ea7-0000-4000-8000-000000000002", name: "rate-limiting", run_on: "first", config: { second: 5, policy: "cluster" }, protocols: ["http", "https"] };
const BEFORE = { [`consumers/${CONSUMER.id}`]: CONSUMER, [`plugins/${PLUGIN.id}`]: PLUGIN };

function run(after: (key: string, body: Record<string, unknown>) => Partial<EntityAfterFinishValue>): RunFixture {
  const fx = new RunFixture().at(0).phase("Baseline");
  fx.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: "blue-1", entities: BEFORE }, "blue-1");
  fx.at(5000).phase("AfterFinish");
  for (const [key, body] of Object.entries(BEFORE)) {
    fx.event("verifier", F.entityAfterFinish, { entity: key, node: "green-1", get: { status: 200, body }, patch: { status: 200, body }, ...after(key, body) }, "green-1");
  }
  fx.event("verifier", F.verifyEntity, { entity: "probe/echo", cluster: "green", seen: "status 200", matches: true }, "green-1");
  return fx;
}

describe("old-data-after-finish", () => {
  it("tells additive fields (only with the value that keeps the old behaviour) and removed ones from changes", () => {
    const newPlugin = { ...PLUGIN, run_on: undefined, config: { ...PLUGIN.config, redis_ssl: false }, protocols: ["https", "http"], updated_at: 9 };
    delete newPlugin.run_on;
    expect(meaningChanges("plugins", PLUGIN, newPlugin)).to.deep.equal([]);
    expect(meaningChanges("plugins", { ...PLUGIN, run_on: "all" }, newPlugin)).to.deep.equal(["run_on dropped (was \"all\")"]);
    // Kong 3.0 marks a regex path with "~": the same path. A plain path marked so, or another regex, is not.
    expect(meaningChanges("routes", { paths: ["/cart/items/\\d+$", "/cart"] }, { paths: ["~/cart/items/\\d+$", "/cart"] })).to.deep.equal([]);
    expect(meaningChanges("routes", { paths: ["/cart"] }, { paths: ["~/cart"] })).to.deep.equal(["paths [\"/cart\"] -> [\"~/cart\"]"]);
    expect(meaningChanges("routes", { paths: ["/a/\\d+"] }, { paths: ["~/a/\\w+"] })).to.have.length(1);
    expect(meaningChanges("plugins", PLUGIN, { ...PLUGIN, config: { second: 10, policy: "cluster", redis_ssl: true } }))
      .to.deep.equal(["config.second 5 -> 10", "config.redis_ssl appeared as true (additive only as false)"]);
    expect(meaningChanges("routes", { name: "r" }, { name: "r", request_buffering: null, response_buffering: true, expression: "x" }))
      .to.deep.equal(["expression appeared as \"x\" (not a known additive field)"]);
    expect(ADDITIVE["routes.request_buffering"]).to.deep.equal([true, null]);
  });

  it("labels entities by what makes them old-shaped", () => {
    expect(entityLabel(`consumers/${CONSUMER.id}`, CONSUMER)).to.equal("consumers/7f925cf3… (only custom_id cust-42)");
    expect(entityLabel(`plugins/${PLUGIN.id}`, PLUGIN)).to.equal("plugins/02d64ea7… (rate-limiting plugin)");
  });

  it("passes when every seeded entity reads 200, means the same and takes its unchanged body back", async () => {
    const r = await oldDataAfterFinish.check(run(() => ({})).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 2 entities seeded before `up` mean the same after finish: GET 200, same configuration, PATCH of the unchanged body 200"]);
    expect(r.evidence.at(-1)).to.equal("seed probes after finish: 1/1 like the baseline");
  });

  it("fails on a refused PATCH, a missing entity and a changed configuration, naming each", async () => {
    const r = await oldDataAfterFinish.check(run((key, body) => (key.startsWith("consumers/")
      ? { patch: { status: 400, body: { message: "schema violation (username: required field missing)" } } }
      : { get: { status: 200, body: { ...body, config: { second: 50, policy: "cluster" } } } })).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("2 of 2 entities seeded before `up` do not mean the same after finish: "
      + "consumers/7f925cf3… (only custom_id cust-42): PATCH with the unchanged body answered 400 on green-1: {\"message\":\"schema violation (username: required field missing)\"} (no PATCH before `up` to compare with); "
      + "plugins/02d64ea7… (rate-limiting plugin): config.second 5 -> 50");
    const gone = await oldDataAfterFinish.check(run((key) => (key.startsWith("plugins/") ? { get: { status: 404, body: null }, patch: undefined } : {})).ctx());
    expect(gone.message).to.equal("1 of 2 entities seeded before `up` do not mean the same after finish: plugins/02d64ea7… (rate-limiting plugin): GET answered 404 on green-1");
  });

  it("is unknown without the snapshot before `up`, or when nothing was read after finish", async () => {
    expect((await oldDataAfterFinish.check(new RunFixture().ctx())).message).to.equal("no entity-state \"before-up\" in history.jsonl: the seeded entities were never read before `up`");
    const fx = new RunFixture().at(0).phase("Baseline");
    fx.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: "blue-1", entities: BEFORE });
    expect((await oldDataAfterFinish.check(fx.ctx())).message).to.equal("2 entities were read before `up` but none after finish: the run ended before");
  });

  it("is unknown when the snapshot before `up` holds no entity, whatever was read after finish (never \"all 0 entities\")", async () => {
    const fx = new RunFixture().at(0).phase("Baseline");
    fx.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: "blue-1", entities: {} }, "blue-1");
    fx.at(5000).phase("AfterFinish");
    fx.event("verifier", F.entityAfterFinish, { entity: `consumers/${CONSUMER.id}`, node: "green-1", get: { status: 200, body: CONSUMER }, patch: { status: 200, body: CONSUMER } }, "green-1");
    const r = await oldDataAfterFinish.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "the entity-state \"before-up\" on blue-1 holds no entity: nothing seeded before `up` to judge after finish"]);
  });

  it("fails an entity seeded before `up` that was never read after finish, though others were", async () => {
    const fx = new RunFixture().at(0).phase("Baseline");
    fx.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: "blue-1", entities: BEFORE }, "blue-1");
    fx.at(5000).phase("AfterFinish");
    fx.event("verifier", F.entityAfterFinish, { entity: `consumers/${CONSUMER.id}`, node: "green-1", get: { status: 200, body: CONSUMER }, patch: { status: 200, body: CONSUMER } }, "green-1");
    const r = await oldDataAfterFinish.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 of 2 entities seeded before `up` do not mean the same after finish: plugins/02d64ea7… (rate-limiting plugin): never read after finish"]);
  });

  // Issue 11: real Kong 1.5 to 3.0 on Postgres answer a key-auth credential's GET with "ttl": null and
  // refuse that body back with 500, with or without an upgrade. The old version's own answer before
  // `up` tells that apart from a change the upgrade made.
  const KEY = { id: "5b1e0c2a-0000-4000-8000-000000000003", created_at: 1, consumer: { id: CONSUMER.id }, key: "cust-key", tags: null, ttl: null };
  const KEY_ID = `key-auths/${KEY.id}`;
  const WITH_KEY = { ...BEFORE, [KEY_ID]: KEY };
  const UNEXPECTED = { status: 500, body: { message: "An unexpected error occurred" } };
  const OK = (key: string) => ({ status: 200, body: WITH_KEY[key] });

  /** The key-auth credential PATCHed before `up` (answer `before`, none if undefined) and after finish (answer `after`). */
  function keyRun(before: { status: number; body: unknown } | undefined, after: { status: number; body: unknown }): RunFixture {
    const fx = new RunFixture({ ...EXPECTATIONS, oldImage: "kong-standin:2.5.1", newImage: "kong-standin:2.6.0" }).at(0).phase("Baseline");
    const patches = Object.fromEntries(Object.keys(WITH_KEY).filter((k) => k !== KEY_ID || before).map((k) => [k, k === KEY_ID ? before! : OK(k)]));
    fx.event("harness", F.entityState, { label: "before-up", cluster: "blue", node: "blue-1", entities: WITH_KEY, patches }, "blue-1");
    fx.at(5000).phase("AfterFinish");
    for (const [key, body] of Object.entries(WITH_KEY)) {
      fx.event("verifier", F.entityAfterFinish, { entity: key, node: "green-1", get: { status: 200, body }, patch: key === KEY_ID ? after : { status: 200, body } }, "green-1");
    }
    return fx;
  }

  it("reports a PATCH answer the old version gave before `up` too as pre-existing, passes, and every report format shows it", async () => {
    const r = await oldDataAfterFinish.check(keyRun(UNEXPECTED, UNEXPECTED).ctx());
    const note = `pre-existing in kong-standin:2.5.1 before \`up\`: PATCH ${KEY_ID} with its GET body answered 500 {"message":"An unexpected error occurred"} (same after finish on green-1)`;
    expect([r.status, r.message]).to.deep.equal(["pass", "all 3 entities seeded before `up` mean the same after finish; pre-existing in kong-standin:2.5.1 before `up`, not the upgrade's: "
      + "the PATCH of 1 with its GET body answered 500 there too (key-auths/5b1e0c2a… (key cust-key)); the others PATCH 200"]);
    expect(r.evidence).to.include(note);
    expect(r.evidence).to.include("key-auths/5b1e0c2a… (key cust-key): GET 200, same configuration, PATCH answered as before `up` (pre-existing)");
    expect(r.data?.preExisting).to.deep.equal([note]);
    const report = assembleReport({ scenario: "postgres-blue-green", versions: { old: "2.5.1", new: "2.6.0" }, checks: [r] }, new Date(0));
    const formats: Record<string, string> = {
      "report.json": JSON.stringify(report), "junit.xml": renderJunit([{ name: "run", report }]), "summary.md": renderMarkdown(report),
      "report.html": renderHtml({ view: reportView(report), series: null, nodes: EXPECTATIONS.nodes }), console: formatSummary(report),
    };
    for (const [name, text] of Object.entries(formats)) expect(text, name).to.contain("pre-existing in kong-standin:2.5.1 before");
    expect(formats["junit.xml"]).to.contain(`<system-out>pre-existing in kong-standin:2.5.1 before \`up\`: PATCH ${KEY_ID} with its GET body answered 500`);
  });

  it("fails a PATCH answer that changed: refused after finish where the old version took it, or refused differently", async () => {
    const accepted = await oldDataAfterFinish.check(keyRun(OK(KEY_ID), UNEXPECTED).ctx());
    expect([accepted.status, accepted.message]).to.deep.equal(["fail", "1 of 3 entities seeded before `up` do not mean the same after finish: key-auths/5b1e0c2a… (key cust-key): "
      + "PATCH with the unchanged body answered 500 on green-1: {\"message\":\"An unexpected error occurred\"} (kong-standin:2.5.1 answered 200 before `up`)"]);
    expect(accepted.evidence.some((line) => line.startsWith("pre-existing in "))).to.equal(false);
    const otherError = await oldDataAfterFinish.check(keyRun({ status: 400, body: { message: "schema violation (ttl: unknown field)" } }, UNEXPECTED).ctx());
    expect([otherError.status, otherError.message]).to.deep.equal(["fail", "1 of 3 entities seeded before `up` do not mean the same after finish: key-auths/5b1e0c2a… (key cust-key): "
      + "PATCH with the unchanged body answered 500 on green-1: {\"message\":\"An unexpected error occurred\"} (kong-standin:2.5.1 answered 400 {\"message\":\"schema violation (ttl: unknown field)\"} before `up`)"]);
  });

  it("cannot call an answer pre-existing without the old version's own answer before `up`", async () => {
    const r = await oldDataAfterFinish.check(keyRun(undefined, UNEXPECTED).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.match(/: key-auths\/5b1e0c2a… \(key cust-key\): PATCH with the unchanged body answered 500 on green-1: .* \(no PATCH before `up` to compare with\)$/);
  });
});
