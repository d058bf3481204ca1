import { expect } from "chai";
import { luaTable, schemaViolation, uniqueViolation } from "./errors.ts";
import { validate } from "./schema.ts";

const ctx = { version: "2.6.0", enabledPlugins: ["key-auth", "rate-limiting"] };

describe("stand-in node: Admin API schema validation", () => {
  it("expands the url shorthand and applies defaults", () => {
    const v = validate("services", { url: "https://api.test/v1" }, "create", ctx);
    expect(v).to.have.property("row");
    expect((v as { row: Record<string, unknown> }).row).to.include({ protocol: "https", host: "api.test", port: 443, path: "/v1", retries: 5 });
  });

  it("formats one and several violations like Kong", () => {
    expect(schemaViolation({ host: "required field missing" }).body.message).to.equal("schema violation (host: required field missing)");
    expect(schemaViolation({ port: "expected an integer", "@entity": ["x"], config: { minute: "y" } }).body.message)
      .to.equal("3 schema violations (x; config.minute: y; port: expected an integer)");
    // Per-element errors: a list item by its position, deeper tables pretty-printed (real Kong 2.5.1's answers).
    expect(schemaViolation({ paths: [null, "should start with: /"], hosts: ["invalid hostname: a b"] }).body.message)
      .to.equal("2 schema violations (hosts.1: invalid hostname: a b; paths.2: should start with: /)");
    expect(schemaViolation({ config: { add: { headers: ["invalid value: noval"] }, remove: { headers: "expected an array" } } }).body.message)
      .to.equal('2 schema violations (config.add: {\n  headers = {\n    "invalid value: noval"\n  }\n}; config.remove: {\n  headers = "expected an array"\n})');
    expect(schemaViolation({ config: { methods: [null, "expected one of: GET"] } }).body.message)
      .to.equal('schema violation (config.methods: {\n  [2] = "expected one of: GET"\n})');
  });

  it("reports rate-limiting's missing limits and key-auth's consumer scope", () => {
    const rl = validate("plugins", { name: "rate-limiting", config: {} }, "create", ctx) as { errors: Record<string, unknown> };
    expect(schemaViolation(rl.errors).body.message).to.equal(
      "schema violation (at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year')");
    const ka = validate("plugins", { name: "key-auth", consumer: { id: "6f1c7c5e-0000-4000-8000-000000000001" } }, "create", ctx) as { errors: Record<string, unknown> };
    expect(ka.errors).to.deep.equal({ consumer: "value must be null" });
  });

  it("knows which fields a version has", () => {
    expect(validate("services", { host: "h", enabled: false }, "create", ctx)).to.deep.equal({ errors: { enabled: "unknown field" } });
    expect(validate("services", { host: "h", enabled: false }, "create", { ...ctx, version: "2.7.2" })).to.have.property("row");
  });

  it("renders Lua tables in unique-violation messages", () => {
    expect(luaTable({ name: "x", route: null, service: { id: "s" } })).to.equal('{name="x",route=null,service={id="s"}}');
    expect(uniqueViolation({ username: "bob" }).body.message).to.equal("UNIQUE violation detected on '{username=\"bob\"}'");
  });
});
