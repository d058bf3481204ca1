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
      .to.equal("3 schema violations (config.minute: y; port: expected an integer; x)");
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
