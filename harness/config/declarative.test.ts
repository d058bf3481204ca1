import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { loadConfig, parseConfig } from "./declarative.ts";
import type { ConfigEntity, KongConfig } from "./model.ts";

/** The problem lines a parse throws; fails the test when it does not throw. */
function problems(text: string, version: string, file = "kong.yaml"): readonly string[] {
  try {
    parseConfig(text, file, version);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidConfigError);
    return (err as InvalidConfigError).problems;
  }
  expect.fail(`expected ${file} to be refused for Kong ${version}`);
}

const byKey = (config: KongConfig, key: string): ConfigEntity => {
  const e = config.entities.find((x) => x.key === key);
  expect(e, key).to.not.equal(undefined);
  return e!;
};

const NESTED = `
_format_version: "2.1"
_info: { select_tags: [shop], defaults: {} }
_workspace: default
services:
- name: orders
  url: http://orders.internal:8080/api
  tags: [shop]
  routes:
  - name: orders-list
    paths: [/orders]
    methods: [GET]
    plugins:
    - name: rate-limiting
      config: { minute: 5 }
  plugins:
  - name: key-auth
consumers:
- username: alice
  custom_id: a-1
  keyauth_credentials:
  - key: alice-key-123
  basicauth_credentials:
  - { username: alice, password: alice-password }
  jwt_secrets:
  - { key: alice-iss, secret: alice-jwt-secret }
  hmacauth_credentials:
  - { username: alice-hmac, secret: alice-hmac-secret }
  acls:
  - group: gold
  oauth2_credentials:
  - { name: alice-app, client_id: alice-client, client_secret: alice-client-secret, redirect_uris: [http://app.example/cb] }
  plugins:
  - name: request-transformer
    config: { add: { headers: ["x-consumer:alice"] } }
upstreams:
- name: orders.internal
  targets:
  - target: 10.0.0.1:8080
certificates:
- id: 2c7b3bd2-2a3b-4b8e-8f3c-3d3d1e0d9a11
  cert: CERT
  key: KEY
  snis:
  - name: shop.example.com
`;

describe("declarative configuration: nested form", () => {
  const config = parseConfig(NESTED, "kong.yaml", "2.5.1");

  it("lists every entity, parents by key, in dependency order", () => {
    expect(config.format).to.equal("2.1");
    expect(config.entities.map((e) => e.key)).to.deep.equal([
      "certificates/2c7b3bd2-2a3b-4b8e-8f3c-3d3d1e0d9a11",
      "snis/shop.example.com",
      "services/orders",
      "routes/orders-list",
      "consumers/alice",
      "keyauth_credentials/consumers[0].keyauth_credentials[0]",
      "basicauth_credentials/consumers[0].basicauth_credentials[0]",
      "jwt_secrets/consumers[0].jwt_secrets[0]",
      "hmacauth_credentials/consumers[0].hmacauth_credentials[0]",
      "acls/consumers[0].acls[0]",
      "oauth2_credentials/consumers[0].oauth2_credentials[0]",
      "plugins/services[0].routes[0].plugins[0]",
      "plugins/services[0].plugins[0]",
      "plugins/consumers[0].plugins[0]",
      "upstreams/orders.internal",
      "targets/upstreams[0].targets[0]",
    ]);
    expect(byKey(config, "routes/orders-list")).to.include({ at: "services[0].routes[0]", service: "services/orders" });
    expect(byKey(config, "plugins/services[0].routes[0].plugins[0]")).to.include({ route: "routes/orders-list" });
    expect(byKey(config, "plugins/services[0].routes[0].plugins[0]").service).to.equal(undefined);
    expect(byKey(config, "plugins/consumers[0].plugins[0]")).to.include({ consumer: "consumers/alice" });
    expect(byKey(config, "acls/consumers[0].acls[0]")).to.include({ consumer: "consumers/alice" });
    expect(byKey(config, "targets/upstreams[0].targets[0]")).to.include({ upstream: "upstreams/orders.internal" });
    expect(byKey(config, "snis/shop.example.com")).to.include({ certificate: "certificates/2c7b3bd2-2a3b-4b8e-8f3c-3d3d1e0d9a11" });
  });

  it("keeps an entity's own fields and tags, without its children", () => {
    expect(byKey(config, "services/orders").fields).to.deep.equal({ name: "orders", url: "http://orders.internal:8080/api", tags: ["shop"] });
    expect(byKey(config, "consumers/alice").fields).to.deep.equal({ username: "alice", custom_id: "a-1" });
    expect(byKey(config, "plugins/services[0].routes[0].plugins[0]").fields).to.deep.equal({ name: "rate-limiting", config: { minute: 5 } });
  });
});

const FLAT = `
_format_version: "2.1"
_transform: false
parameters:
- { key: cluster_id, value: 0b0c0c0c-1111-4222-8333-444444444444, created_at: 1650000000 }
services:
- id: 11111111-1111-4111-8111-111111111111
  name: orders
  host: orders.internal
  port: 8080
  protocol: http
  path: null
  created_at: 1650000000
  updated_at: 1650000000
routes:
- id: 22222222-2222-4222-8222-222222222222
  name: null
  paths: [/orders]
  service: 11111111-1111-4111-8111-111111111111
- name: by-name
  paths: [/by-name]
  service: { name: orders }
consumers:
- { id: 33333333-3333-4333-8333-333333333333, username: alice, custom_id: null }
- { custom_id: bob-7 }
keyauth_credentials:
- { consumer: 33333333-3333-4333-8333-333333333333, key: alice-key-123 }
- { consumer: bob-7, key: bob-key-456 }
plugins:
- { name: key-auth, route: 22222222-2222-4222-8222-222222222222, service: null, consumer: null, config: { key_names: [apikey] } }
- { name: acl, service: orders, config: { allow: [gold] } }
- { name: rate-limiting, consumer: alice, config: { minute: 5 } }
- { name: cors }
targets:
- { upstream: orders.internal, target: 10.0.0.1:8080 }
upstreams:
- { name: orders.internal }
`;

describe("declarative configuration: flat form (db_export, deck)", () => {
  const config = parseConfig(FLAT, "export.yaml", "2.8.5");

  it("resolves references by id and by name, username or custom_id", () => {
    const [byId, byName] = config.entities.filter((e) => e.kind === "routes");
    expect(byId).to.include({ key: "routes/routes[0]", service: "services/orders" });
    expect(byName).to.include({ key: "routes/by-name", service: "services/orders" });
    const creds = config.entities.filter((e) => e.kind === "keyauth_credentials");
    expect(creds.map((c) => c.consumer)).to.deep.equal(["consumers/alice", "consumers/bob-7"]);
    const plugins = config.entities.filter((e) => e.kind === "plugins");
    expect(plugins.map((p) => [p.route, p.service, p.consumer])).to.deep.equal([
      ["routes/routes[0]", undefined, undefined],
      [undefined, "services/orders", undefined],
      [undefined, undefined, "consumers/alice"],
      [undefined, undefined, undefined],
    ]);
    expect(config.entities.find((e) => e.kind === "targets")).to.include({ upstream: "upstreams/orders.internal" });
  });

  it("orders upstreams before their targets whatever the file's order", () => {
    const kinds = config.entities.map((e) => e.kind);
    expect(kinds.indexOf("upstreams")).to.be.lessThan(kinds.indexOf("targets"));
  });

  it("leaves out nulls, server-set timestamps and reference fields; keeps ids", () => {
    expect(config.entities[0]!.fields).to.deep.equal({ id: "11111111-1111-4111-8111-111111111111", name: "orders", host: "orders.internal", port: 8080, protocol: "http" });
    expect(config.entities.find((e) => e.kind === "plugins")!.fields).to.deep.equal({ name: "key-auth", config: { key_names: ["apikey"] } });
  });

  it("reads past runtime tables and says so", () => {
    expect(config.entities.some((e) => "key" in e.fields && e.fields.key === "cluster_id")).to.equal(false);
    expect(config.notes?.some((n) => n.startsWith("export.yaml: parameters: 1 rows of the old cluster's own parameters"))).to.equal(true);
    expect(config.notes?.some((n) => n.includes("_transform: false"))).to.equal(true);
  });
});

describe("declarative configuration: formats and versions", () => {
  const file = (format: string, paths = "[/orders]"): string => `_format_version: "${format}"\nservices:\n- name: s\n  host: h\n  routes:\n  - name: r\n    paths: ${paths}\n`;

  it("reads 1.1 on every version from 1.1.0; 2.1 from 2.1.0; 3.0 from 3.0.0", () => {
    for (const [format, version] of [["1.1", "1.1.0"], ["1.1", "1.5.1"], ["1.1", "2.8.5"], ["2.1", "2.1.0"], ["2.1", "2.8.5"], ["3.0", "3.0.1"], ["3.0", "3.9.3"]] as const) {
      expect(parseConfig(file(format), "kong.yaml", version).entities, `${format} on ${version}`).to.have.length(2);
    }
  });

  it("refuses a 3.0 file for a 2.x old version, and a 2.1 file for 2.0", () => {
    expect(problems(file("3.0"), "2.5.1")).to.deep.equal([
      `kong.yaml: _format_version "3.0" is Kong 3.x's format, but the old version is 2.5.1: give the configuration your old cluster runs (deck dump of it)`,
    ]);
    expect(problems(file("2.1"), "2.0.5")).to.deep.equal([
      `kong.yaml: _format_version "2.1" is Kong 2.1+'s format and Kong 2.0.5 reads only "1.1": give the configuration your old cluster runs (deck dump of it)`,
    ]);
  });

  it("refuses a missing, unquoted or unknown _format_version, saying what to write", () => {
    expect(problems("services: []\n", "2.5.1")).to.deep.equal([`kong.yaml: no _format_version: add _format_version: "2.1" at the top (the format Kong 2.5.1 writes)`]);
    expect(problems("_format_version: 1.1\n", "1.5.1")).to.deep.equal([`kong.yaml: _format_version is 1.1, not a string: quote it (_format_version: "1.1")`]);
    expect(problems(`_format_version: "2.0"\n`, "3.0.1")[0]).to.match(/^kong\.yaml: _format_version "2\.0" is not a Kong declarative format \(1\.1, 2\.1 and 3\.0 are\)/);
  });

  it("refuses an old version without declarative configuration, or one that is not a version", () => {
    expect(problems(file("1.1"), "1.0.3")[0]).to.match(/^kong\.yaml: Kong 1\.0\.3 has no declarative configuration \(Kong 1\.1\.0 introduced it\)/);
    expect(problems(file("1.1"), "latest")[0]).to.match(/^kong\.yaml: the old version "latest" is not a Kong version/);
  });

  it("converts a 2.1 file's paths as Kong 3.x does: regexes get ~, plain paths are normalized", () => {
    const config = parseConfig(file("2.1", `["/orders/\\\\d+", "/o%7Ea/./b//c", "/plain"]`), "kong.yaml", "3.0.1");
    expect(config.entities[1]!.fields.paths).to.deep.equal(["~/orders/\\d+", "/o~a/b/c", "/plain"]);
    expect(config.format).to.equal("3.0");
    expect(config.notes).to.deep.equal([`kong.yaml: services[0].routes[0] (r): paths of a "2.1" file read as Kong 3.x reads them: "~/orders/\\d+", "/o~a/b/c"`]);
  });

  it("keeps a 2.1 file's paths for a 2.x old version, and a 3.0 file's ~ paths for 3.x", () => {
    expect(parseConfig(file("2.1", `["/orders/\\\\d+"]`), "kong.yaml", "2.8.5").entities[1]!.fields.paths).to.deep.equal(["/orders/\\d+"]);
    const kong3 = parseConfig(file("3.0", `["~/orders/\\\\d+$", "/plain"]`), "kong.yaml", "3.0.1");
    expect(kong3.entities[1]!.fields.paths).to.deep.equal(["~/orders/\\d+$", "/plain"]);
    expect(kong3.notes).to.equal(undefined);
  });

  it("accepts deck's _info and _workspace and Kong's _comment and _ignore", () => {
    const config = parseConfig(`_format_version: "3.0"\n_info: { select_tags: [a] }\n_workspace: w\n_comment: c\nconsumers:\n- { username: u, _comment: hi, _ignore: [1] }\n`, "kong.yaml", "3.4.2");
    expect(config.entities.map((e) => e.fields)).to.deep.equal([{ username: "u" }]);
  });
});

describe("declarative configuration: fields the old version does not know", () => {
  const route = (field: string): string => `_format_version: "2.1"\nservices:\n- name: s\n  host: h\n  routes:\n  - name: orders\n    paths: [/o]\n    ${field}\n`;

  it("refuses request_buffering on routes before 2.2.0 and names the release that has it", () => {
    expect(problems(route("request_buffering: false"), "2.1.4")).to.deep.equal([
      `kong.yaml: services[0].routes[0] (orders): unknown field "request_buffering" for Kong 2.1.4 routes (Kong 2.2.0+ has it): remove it, or give the configuration your old cluster runs (deck dump of it)`,
    ]);
    expect(parseConfig(route("request_buffering: false"), "kong.yaml", "2.2.0").entities[1]!.fields.request_buffering).to.equal(false);
  });

  it("suggests the field a misspelt one was meant to be", () => {
    expect(problems(route("pathz: [/x]"), "2.5.1")).to.deep.equal([
      `kong.yaml: services[0].routes[0] (orders): unknown field "pathz" for Kong 2.5.1 routes: did you mean "paths"? correct or remove it`,
    ]);
  });

  it("knows fields a release removed (plugins' run_on ends at 2.0.0) and entities a release added", () => {
    const plugin = (format: string): string => `_format_version: "${format}"\nplugins:\n- { name: cors, run_on: first }\n`;
    expect(parseConfig(plugin("1.1"), "kong.yaml", "1.5.1").entities[0]!.fields.run_on).to.equal("first");
    expect(problems(plugin("1.1"), "2.0.5")[0]).to.match(/unknown field "run_on" for Kong 2\.0\.5 plugins \(Kong before 2\.0\.0 had it\)/);
    expect(problems(`_format_version: "1.1"\nca_certificates:\n- { cert: C }\n`, "1.2.3")[0]).to.equal(
      "kong.yaml: ca_certificates: Kong 1.2.3 has no ca_certificates (Kong 1.3.0 added them): remove them, or give the configuration your old cluster runs (deck dump of it)");
  });

  it("checks credential entities too, and nesting only by references the version has", () => {
    expect(problems(`_format_version: "1.1"\nconsumers:\n- username: u\n  keyauth_credentials:\n  - { key: k1234, tags: [t] }\n`, "1.3.0")[0]).to.match(/consumers\[0\]\.keyauth_credentials\[0\]: unknown field "tags" for Kong 1\.3\.0 keyauth_credentials \(Kong 1\.4\.0\+ has it\)/);
    // upstreams name their client certificate from 2.1.0, so only then may they nest under a certificate
    const nested = `_format_version: "1.1"\ncertificates:\n- cert: C\n  key: K\n  upstreams:\n  - { name: u }\n`;
    expect(problems(nested, "2.0.5")[0]).to.match(/certificates\[0\]: unknown field "upstreams" for Kong 2\.0\.5 certificates/);
    expect(parseConfig(nested, "kong.yaml", "2.1.4").entities[1]).to.include({ kind: "upstreams", certificate: "certificates/certificates[0]" });
  });

  it("takes a certificate's SNIs as names too", () => {
    const config = parseConfig(`_format_version: "3.0"\ncertificates:\n- { cert: C, key: K, snis: [a.example, { name: b.example }] }\n`, "kong.yaml", "3.8.1");
    expect(config.entities.filter((e) => e.kind === "snis").map((e) => [e.fields.name, e.certificate])).to.deep.equal([
      ["a.example", "certificates/certificates[0]"], ["b.example", "certificates/certificates[0]"],
    ]);
  });

  it("does not judge plugin config fields (Kong does, at seeding)", () => {
    expect(parseConfig(`_format_version: "2.1"\nplugins:\n- { name: cors, config: { no_such_option: 1 } }\n`, "kong.yaml", "2.5.1").entities).to.have.length(1);
  });
});

describe("declarative configuration: problems", () => {
  it("refuses a reference to an entity the file does not have", () => {
    expect(problems(`_format_version: "2.1"\nroutes:\n- { name: r, paths: [/x], service: shop }\n`, "2.5.1")).to.deep.equal([
      `kong.yaml: routes[0] (r): service "shop" names no service of the file: name one of the file's services by its id or name, or nest the route under it`,
    ]);
  });

  it("gives the line of a YAML syntax error", () => {
    // an unclosed quote shows where the parser ran out of text looking for its end
    expect(problems(`_format_version: "2.1"\nservices:\n- name: a\n  host: "h\n`, "2.5.1")).to.deep.equal([`kong.yaml: line 5: Missing closing "quote: fix the YAML syntax`]);
    const lines = problems(`_format_version: "2.1"\nservices:\n  - name: a\n   host: h\n`, "2.5.1");
    expect(lines[0]).to.match(/^kong\.yaml: line 4: .+: fix the YAML syntax$/);
  });

  it("gives the line of a JSON syntax error", () => {
    expect(problems(`{\n "_format_version": "2.1",\n "services": [\n  {"name": "a",}\n ]\n}\n`, "2.5.1", "kong.json")).to.deep.equal([
      "kong.json: line 4: Expected double-quoted property name in JSON: fix the JSON syntax",
    ]);
  });

  it("reads JSON as JSON", () => {
    const config = parseConfig(JSON.stringify({ _format_version: "2.1", consumers: [{ username: "u" }] }), "kong.json", "2.5.1");
    expect(config.entities.map((e) => e.key)).to.deep.equal(["consumers/u"]);
  });

  it("reports every problem of the file, one line each", () => {
    const lines = problems(`_format_version: "2.1"
services:
- { name: a, host: h, hostz: x }
- { name: a, host: h }
routes:
- { paths: [/x], service: nope }
vaults:
- { name: env }
consumers: { username: u }
`, "2.5.1");
    expect(lines).to.deep.equal([
      `kong.yaml: services[0] (a): unknown field "hostz" for Kong 2.5.1 services: did you mean "host"? correct or remove it`,
      `kong.yaml: vaults: not an entity the harness seeds (it seeds ca_certificates, certificates, snis, services, routes, consumers, keyauth_credentials, basicauth_credentials, jwt_secrets, hmacauth_credentials, acls, oauth2_credentials, plugins, upstreams, targets): remove the vaults section and whatever refers to it`,
      `kong.yaml: consumers: expected a list of consumers, found a mapping: write it as a YAML list (- ...)`,
      `kong.yaml: services[1] (a): a second service with name "a" (the first is services[0]): name must be unique; rename or remove one`,
      `kong.yaml: routes[0]: service "nope" names no service of the file: name one of the file's services by its id or name, or nest the route under it`,
    ]);
    for (const line of lines) expect(line).to.not.include("\n");
  });

  it("refuses a nested entity that names another parent", () => {
    expect(problems(`_format_version: "2.1"\nservices:\n- name: s\n  host: h\n  routes:\n  - { name: r, paths: [/x], service: other }\n`, "2.5.1")).to.deep.equal([
      `kong.yaml: services[0].routes[0] (r): "service" must be left out of a route nested under its service: remove it`,
    ]);
  });

  it("reads yes/no/on/off as booleans the way Kong's YAML reader does, y and n as text", () => {
    const config = parseConfig(`_format_version: "2.1"\nservices:\n- name: s\n  host: h\n  routes:\n  - { name: r, paths: [/x], strip_path: no, preserve_host: on, tags: [y, n] }\n`, "kong.yaml", "2.5.1");
    expect(config.entities[1]!.fields).to.include({ strip_path: false, preserve_host: true });
    expect(config.entities[1]!.fields.tags).to.deep.equal(["y", "n"]);
  });

  it("loadConfig reads the file, and says what to give when there is none", () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-config-"));
    const path = join(dir, "kong.yaml");
    writeFileSync(path, `_format_version: "2.1"\nconsumers:\n- username: u\n`);
    expect(loadConfig(path, "2.5.1")).to.include({ file: path, format: "2.1" });
    expect(() => loadConfig(join(dir, "missing.yaml"), "2.5.1")).to.throw(InvalidConfigError, "missing.yaml: cannot read it (no such file): give the path of a declarative configuration");
  });
});
