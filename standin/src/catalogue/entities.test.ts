import { expect } from "chai";
import { apiFieldsFor, columnsFor, compareVersions, defaultFor, entityFor } from "./entities.ts";

describe("stand-in catalogue: entities per Kong version", () => {
  it("has plugins.run_on only before 2.0 and ws_id from 2.1", () => {
    expect(columnsFor("1.5.1", "plugins")).to.include("run_on").and.not.include("ws_id");
    expect(columnsFor("2.0.5", "plugins")).to.not.include("run_on").and.not.include("ws_id");
    expect(columnsFor("2.1.4", "plugins")).to.include("ws_id");
  });

  it("adds services.enabled in 2.7, routes buffering in 2.2, and keeps internal columns out of the API", () => {
    expect(apiFieldsFor("2.6.0", "services").map((f) => f.name)).to.not.include("enabled");
    expect(apiFieldsFor("2.7.2", "services").map((f) => f.name)).to.include("enabled");
    expect(columnsFor("2.1.4", "routes")).to.not.include("request_buffering");
    expect(columnsFor("2.2.2", "routes")).to.include("request_buffering");
    expect(apiFieldsFor("2.6.0", "plugins").map((f) => f.name)).to.not.include.members(["cache_key", "ws"]);
    expect(apiFieldsFor("3.0.1", "routes").map((f) => f.name)).to.not.include("expression");
  });

  it("maps foreign keys to <name>_id columns and gives version-dependent defaults", () => {
    const svc = entityFor("2.6.0", "routes").fields.find((f) => f.name === "service")!;
    expect(svc.column).to.equal("service_id");
    const ph = entityFor("1.5.1", "routes").fields.find((f) => f.name === "path_handling")!;
    expect(defaultFor(ph, "1.5.1")).to.equal("v1");
    expect(defaultFor(ph, "2.0.5")).to.equal("v0");
  });

  it("compares versions numerically", () => {
    expect(compareVersions("2.10.0", "2.9.9")).to.equal(1);
    expect(compareVersions("2.8.2", "2.8.2")).to.equal(0);
    expect(compareVersions("1.5.1", "2.0.0")).to.equal(-1);
  });
});
