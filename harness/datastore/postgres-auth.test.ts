import { expect } from "chai";
import { FIRST_KONG_WITH_SCRAM, pgAuthProblem, pgLoginRefusal, pgmoonOf, resolvePgAuth, speaksScram } from "./postgres-auth.ts";

describe("Postgres authentication per Kong version (pgmoon as each release pins it)", () => {
  it("pgmoon per release, from Kong's rockspecs; SCRAM from pgmoon 1.13.0, Kong 2.7.0", () => {
    const table = ["1.5.1", "2.0.5", "2.1.4", "2.3.3", "2.4.1", "2.5.1", "2.6.0", "2.7.0", "2.8.0", "2.8.3", "2.8.4", "2.8.5", "3.0.1", "3.1.0", "3.4.0"].map((v) => [v, pgmoonOf(v), speaksScram(v)]);
    expect(table).to.deep.equal([
      ["1.5.1", "1.10.0", false], ["2.0.5", "1.10.0", false], ["2.1.4", "1.11.0", false], ["2.3.3", "1.11.0", false], ["2.4.1", "1.12.0", false],
      ["2.5.1", "1.12.0", false], ["2.6.0", "1.12.0", false], ["2.7.0", "1.13.0", true], ["2.8.0", "1.13.0", true], ["2.8.3", "1.13.0", true],
      ["2.8.4", "1.16.0", true], ["2.8.5", "1.16.0", true], ["3.0.1", "1.15.0", true], ["3.1.0", "1.16.0", true], ["3.4.0", "1.16.2", true],
    ]);
    expect(FIRST_KONG_WITH_SCRAM).to.equal("2.7.0");
    expect(pgmoonOf("not-a-version")).to.equal(undefined);
  });

  it("auto: md5 when any version of the run has no SCRAM, else scram-sha-256; a forced choice stays", () => {
    expect(resolvePgAuth("auto", ["2.5.1", "2.6.0"])).to.equal("md5");
    expect(resolvePgAuth("auto", ["2.6.0", "2.8.5"])).to.equal("md5");
    expect(resolvePgAuth("auto", ["2.8.5", "3.0.1"])).to.equal("scram-sha-256");
    expect(resolvePgAuth("scram-sha-256", ["2.5.1", "2.6.0"])).to.equal("scram-sha-256");
    expect(resolvePgAuth("md5", ["2.8.5", "3.0.1"])).to.equal("md5");
  });

  it("--pg-auth accepts auto, md5, scram-sha-256 and says so otherwise", () => {
    expect(["auto", "md5", "scram-sha-256"].map(pgAuthProblem)).to.deep.equal([undefined, undefined, undefined]);
    expect(pgAuthProblem("scram")).to.equal('--pg-auth must be auto, md5, scram-sha-256, but is "scram"');
  });

  it("diagnoses Kong's `don't know how to auth` with the version, its pgmoon and the way out; nothing else", () => {
    const out = "Error: don't know how to auth: 10\n\n  Run with --v (verbose) or --vv (debug) for more details\n";
    expect(pgLoginRefusal({ ref: "kong:2.5.1", version: "2.5.1" }, out)).to.equal("kong:2.5.1 cannot log in to the datastore: Kong 2.5.1's Postgres client (pgmoon 1.12.0) "
      + "cannot use SCRAM-SHA-256 authentication (`don't know how to auth: 10`; SCRAM needs Kong 2.7.0+); run with --pg-auth md5 (Postgres: password_encryption=md5, md5 in pg_hba.conf)");
    expect(pgLoginRefusal({ ref: "my/kong" }, out)).to.match(/^my\/kong cannot log in to the datastore: the Postgres client of my\/kong cannot use SCRAM-SHA-256/);
    expect(pgLoginRefusal({ ref: "kong:2.5.1", version: "2.5.1" }, "nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/pgmoon/init.lua:256: don't know how to auth: 7"))
      .to.equal("kong:2.5.1 cannot log in to the datastore: Kong 2.5.1's Postgres client (pgmoon 1.12.0) does not know the authentication the server asks for (`don't know how to auth: 7`); run with --pg-auth md5");
    expect(pgLoginRefusal({ ref: "kong:2.5.1", version: "2.5.1" }, "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused")).to.equal(undefined);
  });
});
