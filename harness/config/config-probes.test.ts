import { expect } from "chai";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { configProbes, probeCoverage, type ConfigProbes } from "./config-probes.ts";
import type { EntityKind, KongConfig } from "./model.ts";
import { parseConfig } from "./declarative.ts";
import type { Probe } from "../scenario/seed.ts";

// The project's own reader: the generator reads what a run reads. 3.0-format fixtures need a 3.x old version.
const yamlConfig = (text: string): KongConfig => parseConfig(text, "kong.yaml", /_format_version: "3\.0"/.test(text) ? "3.0.1" : "2.5.1");
const byName = (g: ConfigProbes, name: string): Probe => {
  const p = g.probes.find((x) => x.name === name);
  if (!p) throw new Error(`no probe ${name} among ${g.probes.map((x) => x.name).join(", ")}`);
  return p;
};
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** The head of most fixtures: one service, "api", whose routes follow. */
const apiService = (format: string): string => `_format_version: "${format}"\nservices:\n  - name: api\n    url: http://api.internal:80\n    routes:`;

describe("config-probes: the storefront example", () => {
  const config = parseConfig(readFileSync(new URL("../../examples/storefront/kong.yaml", import.meta.url), "utf8"), "examples/storefront/kong.yaml", "2.5.1");
  const g = configProbes(config);
  const KEYS = { web: "sf-key-ba7e449b1e581cab4619dffb41fc30ae", partner: "sf-key-2abb901829540655c6914a75b17694d8" };

  it("has 6 services, 31 routes, 5 consumers and 8 plugin kinds", () => {
    const count = (k: EntityKind): number => config.entities.filter((e) => e.kind === k).length;
    expect([count("services"), count("routes"), count("consumers")]).to.deep.equal([6, 31, 5]);
    expect(new Set(config.entities.filter((e) => e.kind === "plugins").map((p) => p.fields.name)).size).to.equal(8);
  });

  it("covers every route with a reach probe, and counts them", () => {
    expect(probeCoverage(config, g.probes)).to.deep.equal({ routes: 31, covered: 31, uncovered: [] });
    const reach = g.probes.filter((p) => p.purpose === "reach");
    expect(reach.map((p) => p.route)).to.have.members(config.entities.filter((e) => e.kind === "routes").map((r) => r.key));
    expect(probeCoverage(config, g.probes.filter((p) => p.route !== "routes/search-host"))).to.deep.equal({ routes: 31, covered: 30, uncovered: ["routes/search-host"] });
  });

  it("names every probe once, in its path's query and its x-kuh-probe header", () => {
    const names = g.probes.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const p of g.probes) {
      expect(p.path.endsWith(`?probe=${p.name}`) || p.path.endsWith(`&probe=${p.name}`), p.path).to.equal(true);
      expect(p.headers["x-kuh-probe"]).to.equal(p.name);
    }
  });

  it("sends each reach probe where its route matches: method, host, header and a path its regex accepts", () => {
    expect(byName(g, "catalog-products")).to.include({ method: "GET", path: "/catalog/products/probe?probe=catalog-products", fromUpstream: true });
    expect(byName(g, "catalog-product-detail").path).to.equal("/catalog/products/111-1111?probe=catalog-product-detail");
    expect(byName(g, "catalog-shop-pages").headers.host).to.equal("shop.storefront.test");
    expect(byName(g, "catalog-feed")).to.include({ path: "/?probe=catalog-feed" });
    expect(byName(g, "search-v2").headers["x-search-api"]).to.equal("v2");
    expect(byName(g, "media-images").path).to.equal("/media/images/small/a.jpg?probe=media-images");
    expect(byName(g, "media-assets").headers.host).to.equal("probe.cdn.storefront.test");
    expect(byName(g, "cart-item-change")).to.include({ method: "PUT", path: "/cart/items/1?probe=cart-item-change" });
    expect(byName(g, "checkout-psp-webhook").headers["x-psp-name"]).to.equal("adyen");
  });

  it("presents a credential where authentication applies, one that passes the route's acl", () => {
    expect(byName(g, "cart-view").headers["x-storefront-key"]).to.equal(KEYS.web);
    expect(byName(g, "catalog-admin")).to.deep.include({ credential: "key-auth", expect: [200], fromUpstream: true });
    expect(byName(g, "catalog-admin").headers.apikey).to.equal(KEYS.partner);
    expect(byName(g, "checkout-psp-webhook").headers.authorization).to.equal(basic("psp-adyen", "sf-pass-fqGjOyPzn82Onaz6"));
    expect(byName(g, "accounts-back-office:basic-auth").headers.authorization).to.equal(basic("ops-alice", "sf-pass-STkQJuYmZy40XAGD"));
    expect(byName(g, "catalog-products").credential).to.equal(undefined);
  });

  it("adds refusals without and with wrong credentials, and the acl pair", () => {
    expect(byName(g, "cart-view:no-credentials")).to.deep.include({ credential: "none", expect: [401], fromUpstream: false, purpose: "no-credentials" });
    expect(byName(g, "cart-view:wrong-credentials")).to.deep.include({ credential: "key-auth", expect: [401], purpose: "wrong-credentials" });
    expect(byName(g, "cart-view:wrong-credentials").headers["x-storefront-key"]).to.equal("kuh-no-such-key");
    expect(byName(g, "checkout-psp-webhook:wrong-credentials").headers.authorization).to.equal(basic("kuh-no-such-user", "kuh-wrong-password"));
    expect(byName(g, "catalog-admin:acl-denied")).to.deep.include({ expect: [403], purpose: "acl-denied" });
    expect(byName(g, "catalog-admin:acl-denied").headers.apikey).to.equal(KEYS.web);
    expect(byName(g, "checkout-psp-webhook:acl-denied").headers.authorization).to.equal(basic("ops-alice", "sf-pass-STkQJuYmZy40XAGD"));
    expect(byName(g, "checkout-sessions:acl-allowed")).to.deep.include({ expect: [200], purpose: "credential" });
  });

  it("lists the probes with a valid credential that reach the upstream, and only those", () => {
    expect(g.credentialProbes).to.include.members(["cart-view", "cart-view:key-auth", "catalog-admin:acl-allowed", "checkout-psp-webhook:basic-auth"]);
    for (const name of g.credentialProbes) {
      const p = byName(g, name);
      expect(p.expect, name).to.include(200);
      expect(p.credential, name).to.be.oneOf(["key-auth", "basic-auth"]);
    }
    expect(g.credentialProbes).to.not.include.members(["cart-view:wrong-credentials", "catalog-admin:acl-denied", "cart-view:too-large"]);
  });

  it("keeps every secret-bearing header value in secrets", () => {
    const carried = g.probes.filter((p) => p.purpose !== "wrong-credentials").flatMap((p) => ["apikey", "x-storefront-key", "authorization"].map((h) => p.headers[h]).filter((v): v is string => v !== undefined));
    expect(carried.length).to.be.greaterThan(20);
    expect(g.secrets).to.include.members([...new Set(carried)]);
    expect(g.secrets).to.include.members(["sf-pass-fqGjOyPzn82Onaz6", KEYS.web]);
    expect(g.secrets.join(" ")).to.not.include("kuh-no-such-key");
  });

  it("marks rate-limited probes as varying, and lists only per-second limits shared through the datastore", () => {
    expect(g.rateLimits).to.deep.equal([
      { probe: "search-suggest", perSecond: 5, policy: "cluster" },
      { probe: "cart-items-add", perSecond: 10, policy: "cluster" },
      { probe: "checkout-payments", perSecond: 2, policy: "cluster" },
      { probe: "accounts-register", perSecond: 2, policy: "cluster" },
    ]);
    expect(byName(g, "search-query")).to.deep.include({ expect: [200, 429], varies: true });
    expect(byName(g, "cart-items-add:no-credentials")).to.deep.include({ expect: [401] }).and.not.have.property("varies");
    // The disabled route-level instance does not apply, and the route's service has no rate limit.
    expect(byName(g, "catalog-brands")).to.not.have.property("varies");
    expect(g.notes).to.include.members([
      "rate limits without a `second` limit make their probes vary (200 or 429) but are not in rateLimits, which holds per-second limits only: routes search-query, search-v2, search-facets, search-host",
      "rate limits with policy local are not shared through the datastore: their probes vary (200 or 429) but are not in rateLimits: route accounts-sessions",
    ]);
  });

  it("sends a body one byte over each request-size limit it can, and notes the one it cannot", () => {
    const cart = byName(g, "cart-items-add:too-large");
    expect(cart).to.deep.include({ method: "POST", expect: [413], fromUpstream: false, purpose: "too-large" });
    expect(Buffer.byteLength(cart.body!)).to.equal(16 * 1024 + 1);
    expect(cart.headers["x-storefront-key"]).to.equal(KEYS.web);
    expect(Buffer.byteLength(byName(g, "checkout-payments:too-large").body!)).to.equal(4 * 1024 + 1);
    expect(g.notes).to.include("route media-uploads: request-size-limiting allows 2097152 bytes: no too-large probe (the generator sends bodies under 1048576 bytes)");
  });

  it("sends CORS preflights Kong answers itself, where OPTIONS reaches the route", () => {
    expect(byName(g, "catalog-products:cors-preflight")).to.deep.include({ method: "OPTIONS", expect: [200], fromUpstream: false });
    expect(byName(g, "catalog-products:cors-preflight").headers).to.include({ origin: "https://www.storefront.test", "access-control-request-method": "GET" });
    expect(byName(g, "search-query:cors-preflight").headers.origin).to.equal("https://example.test");
    expect(byName(g, "media-assets:cors-preflight").headers.origin).to.equal("https://www.storefront.test");
    expect(g.notes).to.include("route media-images: a CORS preflight (OPTIONS) would not be routed to it (its methods: GET, HEAD): no cors-preflight probe");
  });

  it("counts the storefront's probes by purpose", () => {
    const counts: Record<string, number> = {};
    for (const p of g.probes) counts[p.purpose!] = (counts[p.purpose!] ?? 0) + 1;
    expect(counts).to.deep.equal({ reach: 31, "no-credentials": 14, "wrong-credentials": 14, credential: 21, "acl-denied": 7, "too-large": 7, "cors-preflight": 7 });
  });
});

const AUTH_BASE = `
_format_version: "1.1"
services:
  - name: api
    url: http://api.internal:80
    routes:
      - name: both
        paths: [/both]
        plugins: [{ name: key-auth }, { name: basic-auth }]
      - name: either
        paths: [/either]
        plugins:
          - { name: key-auth, config: { anonymous: guest } }
          - { name: basic-auth, config: { anonymous: guest } }
          - { name: acl, config: { whitelist: [members] } }
      - paths: [/unnamed]
consumers:
  - username: guest
  - username: ann
    keyauth_credentials: [{ key: ann-key }]
    basicauth_credentials: [{ username: ann, password: ann-pass }]
    acls: [{ group: members }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
`;

describe("config-probes: authentication as Kong runs it", () => {
  it("presents every credential a route needs when its auth plugins do not fall back to anonymous", () => {
    const g = configProbes(yamlConfig(AUTH_BASE));
    const both = byName(g, "both:key-auth");
    expect(both.credential).to.equal("key-auth+basic-auth");
    expect(both.headers).to.include({ apikey: "ann-key", authorization: basic("ann", "ann-pass") });
    expect(byName(g, "both")).to.deep.include({ expect: [200], credential: "key-auth+basic-auth" });
  });

  it("presents one credential where each plugin has anonymous, and predicts the anonymous consumer through acl (whitelist)", () => {
    const g = configProbes(yamlConfig(AUTH_BASE));
    expect(byName(g, "either:key-auth").headers).to.include({ apikey: "ann-key" }).and.not.have.property("authorization");
    expect(byName(g, "either:basic-auth").headers).to.include({ authorization: basic("ann", "ann-pass") });
    expect(byName(g, "either:no-credentials").expect).to.deep.equal([401]);
    expect(byName(g, "either:acl-denied").headers.apikey).to.equal("bob-key");
  });

  it("puts a key in the query string where key-auth does not read headers, ahead of the probe's name", () => {
    const g = configProbes(yamlConfig(`
_format_version: "1.1"
services:
  - name: api
    url: http://api.internal:80
    routes: [{ name: query-key, paths: [/q], plugins: [{ name: key-auth, config: { key_names: [api_key], key_in_header: false } }] }]
consumers:
  - username: ann
    keyauth_credentials: [{ key: "ann key" }]
`));
    expect(byName(g, "query-key:key-auth").path).to.equal("/q/probe?api_key=ann%20key&probe=query-key:key-auth");
    expect(byName(g, "query-key:key-auth").headers).to.not.have.property("api_key");
    expect(g.secrets).to.include.members(["ann key", "ann%20key"]);
  });

  it("names a route without a name by its key's tail", () => {
    const g = configProbes(yamlConfig(AUTH_BASE));
    expect(byName(g, "services0.routes2").route).to.equal("routes/services[0].routes[2]");
  });

  it("ignores disabled and consumer-scoped auth plugins, and lets a route plugin override its service's", () => {
    const g = configProbes(yamlConfig(`
_format_version: "1.1"
services:
  - name: api
    url: http://api.internal:80
    plugins: [{ name: key-auth, config: { key_names: [x-service-key] } }]
    routes:
      - { name: route-level, paths: [/r], plugins: [{ name: key-auth, config: { key_names: [x-route-key] } }] }
      - { name: disabled-route-level, paths: [/d], plugins: [{ name: key-auth, enabled: false, config: { key_names: [x-route-key] } }] }
  - name: open
    url: http://open.internal:80
    routes: [{ name: open-route, paths: [/o] }]
consumers:
  - username: ann
    keyauth_credentials: [{ key: ann-key }]
    plugins: [{ name: basic-auth }]
`));
    expect(byName(g, "route-level").headers["x-route-key"]).to.equal("ann-key");
    expect(byName(g, "disabled-route-level").headers["x-service-key"]).to.equal("ann-key");
    expect(byName(g, "open-route")).to.not.have.property("credential");
    expect(g.probes.filter((p) => p.route === "routes/open-route").map((p) => p.name)).to.deep.equal(["open-route"]);
  });

  it("skips a basic-auth password that is a stored hash, and says so", () => {
    const g = configProbes(yamlConfig(`
_format_version: "1.1"
services:
  - name: api
    url: http://api.internal:80
    routes: [{ name: hashed, paths: [/h], plugins: [{ name: basic-auth }] }]
consumers:
  - username: ann
    basicauth_credentials: [{ username: ann, password: 0123456789abcdef0123456789abcdef01234567 }]
`));
    expect(byName(g, "hashed")).to.deep.include({ credential: "none", expect: [401] });
    expect(g.notes).to.include("consumers[0].basicauth_credentials[0]'s password looks like the SHA-1 hash Kong stores (as `deck dump` writes it), not the password: no probe presents it");
    expect(g.credentialProbes).to.deep.equal([]);
  });
});

describe("config-probes: jwt", () => {
  const config = (plugin: string, secrets: string): KongConfig => yamlConfig(`
_format_version: "1.1"
services:
  - name: api
    url: http://api.internal:80
    routes: [{ name: tokens, paths: [/t], plugins: [${plugin}] }]
consumers:
  - username: ann
    jwt_secrets: ${secrets}
`);
  const verify = (header: string, secret: Buffer): Record<string, unknown> => {
    const token = header.replace(/^Bearer /, "");
    const [h, c, s] = token.split(".");
    const expected = createHmac("sha256", secret).update(`${h}.${c}`).digest("base64url");
    expect(s).to.equal(expected);
    expect(JSON.parse(Buffer.from(h!, "base64url").toString())).to.deep.equal({ typ: "JWT", alg: "HS256" });
    return JSON.parse(Buffer.from(c!, "base64url").toString()) as Record<string, unknown>;
  };

  it("signs an HS256 token with the consumer's secret, its key in iss, and lists it as a secret", () => {
    const g = configProbes(config("{ name: jwt }", "[{ key: ann-iss, secret: ann-jwt-secret }]"));
    const p = byName(g, "tokens:jwt");
    expect(verify(p.headers.authorization!, Buffer.from("ann-jwt-secret"))).to.deep.equal({ iss: "ann-iss" });
    expect(g.secrets).to.include(p.headers.authorization);
    expect(g.credentialProbes).to.include("tokens:jwt");
    const wrong = byName(g, "tokens:wrong-credentials");
    expect(verify(wrong.headers.authorization!, Buffer.from("kuh-wrong-secret"))).to.deep.equal({ iss: "kuh-no-such-key" });
    expect(wrong.expect).to.deep.equal([401]);
  });

  it("follows key_claim_name, secret_is_base64, claims_to_verify and maximum_expiration", () => {
    const secret = Buffer.from("raw-bytes-secret");
    const g = configProbes(config("{ name: jwt, config: { key_claim_name: kid, secret_is_base64: true, claims_to_verify: [exp, nbf], maximum_expiration: 3600, header_names: [x-jwt] } }",
      `[{ key: ann-kid, secret: ${secret.toString("base64")} }]`), { now: () => 1_700_000_000_000 });
    expect(verify(byName(g, "tokens:jwt").headers["x-jwt"]!, secret)).to.deep.equal({ kid: "ann-kid", exp: 1_700_000_000 + 3600 - 60, nbf: 1 });
  });

  it("skips an RS256 secret with a note", () => {
    const g = configProbes(config("{ name: jwt }", "[{ key: ann-rsa, algorithm: RS256, rsa_public_key: pem }]"));
    expect(g.probes.map((p) => p.name)).to.deep.equal(["tokens", "tokens:no-credentials", "tokens:wrong-credentials"]);
    expect(g.notes).to.include("consumers[0].jwt_secrets[0] signs with RS256: the file holds no private key to sign a token with: no probe presents it");
  });
});

describe("config-probes: routing and the odd route", () => {
  it("moves a probe off a path another route would take (a regex route is tried first)", () => {
    const g = configProbes(yamlConfig(apiService("1.1") + `
      - { name: shop, paths: [/shop] }
      - { name: shop-items, paths: ['/shop/.+'] }
`));
    expect(byName(g, "shop").path).to.equal("/shop?probe=shop");
    expect(byName(g, "shop-items").path).to.equal("/shop/a?probe=shop-items");
  });

  it("reads 3.0 regex paths by their ~", () => {
    const g = configProbes(yamlConfig(apiService("3.0") + `
      - { name: orders, paths: ['~/orders/(?<id>\\d+)$'] }
      - { name: literal, paths: ['/a.b'] }
`));
    expect(byName(g, "orders").path).to.equal("/orders/1?probe=orders");
    expect(byName(g, "literal").path).to.equal("/a.b/probe?probe=literal");
  });

  it("gives an https-only route one probe and a note, and notes a route it cannot route a probe to", () => {
    const g = configProbes(yamlConfig(apiService("1.1") + `
      - { name: secure, protocols: [https], paths: [/secure], plugins: [{ name: key-auth }] }
      - { name: first, paths: [/same] }
      - { name: second, paths: [/same] }
`));
    expect(g.probes.filter((p) => p.route === "routes/secure")).to.have.length(1);
    expect(byName(g, "secure")).to.deep.include({ expect: [426], fromUpstream: false });
    expect(g.notes).to.include("route secure: it accepts https only: its one probe goes over plain HTTP and the baseline records what it gets");
    expect(g.notes).to.include("route second: every request tried would be routed to routes/first instead");
  });

  it("adds an ip-restriction probe predicted for an unlisted client, and says the baseline decides", () => {
    const g = configProbes(yamlConfig(apiService("1.1") + `
      - { name: allow-listed, paths: [/a], plugins: [{ name: ip-restriction, config: { allow: [10.0.0.0/8] } }] }
      - { name: deny-listed, paths: [/d], plugins: [{ name: ip-restriction, config: { deny: [10.0.0.0/8] } }, { name: request-termination }] }
`));
    expect(byName(g, "allow-listed:ip-restriction")).to.deep.include({ expect: [403], purpose: "ip-restriction" });
    expect(byName(g, "deny-listed:ip-restriction")).to.deep.include({ expect: [200], fromUpstream: true });
    expect(g.notes).to.include("route allow-listed: ip-restriction's answer depends on the address the probes come from: its ip-restriction probe is predicted for an unlisted client and the baseline decides");
    expect(g.notes).to.include("plugin request-termination is not modelled by the probe generator, the baseline learns what it does to the probes: route deny-listed");
  });

  it("keeps names unique when routes' names collide once made URL-safe", () => {
    const g = configProbes(yamlConfig(apiService("1.1") + `
      - { name: "a b", paths: [/1] }
      - { name: "a-b", paths: [/2] }
      - { name: health-check, paths: [/3] }
`));
    expect(g.probes.map((p) => p.name)).to.deep.equal(["a-b", "a-b-2", "health-check-2"]);
  });
});
