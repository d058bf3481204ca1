import { expect } from "chai";
import { ADDITIVE, meaningChanges } from "./entity-meaning.ts";
import { entityLabel, oldDataAfterFinish } from "./old-data-after-finish.ts";
import { F, type EntityAfterFinishValue } from "./records.ts";
import { RunFixture } from "./testing.ts";

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
      + "consumers/7f925cf3… (only custom_id cust-42): PATCH with the unchanged body answered 400 on green-1: {\"message\":\"schema violation (username: required field missing)\"}; "
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
});
