import { expect } from "chai";
import { v } from "../plan/version.ts";
import { entitySince, fieldReleases, fieldsOf } from "./entity-fields.ts";

describe("entity fields by Kong version", () => {
  it("adds a field from the release that has it", () => {
    expect(fieldsOf("routes", v("2.1.4")).has("request_buffering")).to.equal(false);
    expect(fieldsOf("routes", v("2.2.0")).has("request_buffering")).to.equal(true);
    expect(fieldsOf("services", v("2.6.1")).has("enabled")).to.equal(false);
    expect(fieldsOf("services", v("2.7.0")).has("enabled")).to.equal(true);
  });

  it("drops a field from the release that removed it", () => {
    expect(fieldsOf("plugins", v("1.5.1")).has("run_on")).to.equal(true);
    expect(fieldsOf("plugins", v("2.0.0")).has("run_on")).to.equal(false);
    expect(fieldReleases("plugins", "run_on")).to.equal("Kong before 2.0.0 had it");
    expect(fieldReleases("routes", "pathz")).to.equal(undefined);
  });

  it("knows when an entity appeared", () => {
    expect(entitySince("ca_certificates")).to.equal("1.3.0");
    expect(fieldsOf("ca_certificates", v("1.2.3")).size).to.equal(0);
  });
});
