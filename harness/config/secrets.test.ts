import { expect } from "chai";
import { parseConfig } from "./declarative.ts";
import { configSecrets, redact, REDACTED, unredactable } from "./secrets.ts";

const CONFIG = parseConfig(`
_format_version: "2.1"
certificates:
- { cert: PUBLIC-CERT, key: PRIVATE-KEY-PEM }
consumers:
- username: alice
  keyauth_credentials: [{ key: alice-key-123 }]
  basicauth_credentials: [{ username: alice, password: alice-password }]
  jwt_secrets: [{ key: alice-iss, secret: alice-jwt-secret, rsa_public_key: RSA-PUBLIC }]
  hmacauth_credentials: [{ username: alice-hmac, secret: alice-hmac-secret }]
  acls: [{ group: gold }]
  oauth2_credentials: [{ name: app, client_id: alice-client, client_secret: alice-client-secret }]
plugins:
- name: rate-limiting
  config: { minute: 5, policy: redis, redis_host: redis, redis_password: redis-pass }
- name: key-auth
  config: { key_names: [apikey], key_in_header: true, hide_credentials: true }
- name: oauth2
  config: { provision_key: provision-123, scopes: [read] }
- name: request-transformer
  config: { add: { headers: ["Authorization: Bearer upstream-token", "x-trace: on"], querystring: ["api_key:qs-key-999"] } }
- name: session
  config: { secret: session-secret }
`, "kong.yaml", "2.5.1");

describe("configuration secrets", () => {
  it("collects credential secrets, certificate keys and secret-named plugin settings, not ids or setting names", () => {
    expect(configSecrets(CONFIG).sort()).to.deep.equal([
      "Bearer upstream-token", "PRIVATE-KEY-PEM", "RSA-PUBLIC", "alice-client-secret", "alice-hmac-secret", "alice-jwt-secret", "alice-key-123", "alice-password",
      "provision-123", "qs-key-999", "redis-pass", "session-secret", "upstream-token",
    ]);
  });

  it("redacts every secret, the longest first, also as JSON, HTML, XML, Markdown and URLs write it", () => {
    const secrets = ["abcd", "abcdef", `pa"ss<wo'rd|x`];
    expect(redact("k=abcdef and abcd", secrets)).to.equal(`k=${REDACTED} and ${REDACTED}`);
    expect(redact(JSON.stringify({ p: `pa"ss<wo'rd|x` }), secrets)).to.equal(`{"p":"${REDACTED}"}`);
    expect(redact("<td>pa&quot;ss&lt;wo&#39;rd|x</td><e a='pa&quot;ss&lt;wo&apos;rd|x'/>", secrets)).to.equal(`<td>${REDACTED}</td><e a='${REDACTED}'/>`);
    expect(redact(`| pa"ss<wo'rd\\|x |`, secrets)).to.equal(`| ${REDACTED} |`);
    expect(redact(`/x?k=${encodeURIComponent(`pa"ss<wo'rd|x`)}`, secrets)).to.equal(`/x?k=${REDACTED}`);
  });

  it("leaves secrets shorter than 4 characters, which it lists as unredactable", () => {
    expect(redact("<tr>pw</tr>", ["pw", "tr"])).to.equal("<tr>pw</tr>");
    expect(unredactable(["pw", "long-secret"])).to.deep.equal(["pw"]);
  });
});
