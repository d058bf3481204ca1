import { expect } from "chai";
import { parseConfig } from "./declarative.ts";
import { ofKind } from "./model.ts";
import { kongMessage, repointService } from "./seed-config.ts";

const UPSTREAM = { host: "echo", port: 8080 };

describe("seeding a configuration: pure parts", () => {
  const config = parseConfig(`
_format_version: "2.1"
certificates:
- cert: C
  key: K
  services:
  - { name: tls-backend, url: "https://pay.internal:8443/v2?x=1", tls_verify: true, ca_certificates: [6c4b1f0a-0000-4000-8000-000000000000] }
services:
- { name: plain, host: shop.internal, port: 9000, path: /api, tags: [shop] }
- { name: balanced, host: orders.internal, protocol: https, port: 443 }
- { name: bare, host: bare.internal }
upstreams:
- { name: orders.internal }
`, "kong.yaml", "2.5.1");
  const services = ofKind(config, "services");
  const names = new Set(["orders.internal"]);
  const repointed = (name: string): ReturnType<typeof repointService> => repointService(services.find((s) => s.fields.name === name)!, UPSTREAM, names);

  it("points a service at the harness's upstream over HTTP, keeping its path and tags", () => {
    expect(repointed("plain").body).to.deep.equal({ name: "plain", host: "echo", port: 8080, protocol: "http", path: "/api", tags: ["shop"] });
    expect(repointed("plain").repointed).to.deep.equal({ key: "services/plain", at: "services[0]", from: "http://shop.internal:9000/api", to: "http://echo:8080/api" });
    expect(repointed("bare").body).to.deep.equal({ name: "bare", host: "echo", port: 8080, protocol: "http" });
  });

  it("splits a url as Kong does and drops the settings of TLS to the user's backend", () => {
    const { body, repointed: r } = repointed("tls-backend");
    expect(body).to.deep.equal({ name: "tls-backend", host: "echo", port: 8080, protocol: "http", path: "/v2" });
    expect(r.from).to.equal("https://pay.internal:8443/v2");
    expect(r.dropped).to.deep.equal(["client_certificate", "tls_verify", "ca_certificates"]);
  });

  it("keeps the host of a service that names an upstream of the file (its targets are re-pointed)", () => {
    expect(repointed("balanced").body).to.deep.equal({ name: "balanced", host: "orders.internal", port: 443, protocol: "http" });
    expect(repointed("balanced").repointed.to).to.equal("http://orders.internal:443 (upstream orders.internal: its targets are re-pointed)");
  });

  it("says Kong's refusal in one line: its message, plus field errors the message lacks", () => {
    expect(kongMessage({ code: 2, name: "schema violation", message: "schema violation (config.minute: expected a number)", fields: { config: { minute: "expected a number" } } }))
      .to.equal("schema violation (config.minute: expected a number)");
    expect(kongMessage({ message: "2 schema violations", fields: { protocol: "expected one of: http, https", paths: ["should start with: /"] } }))
      .to.equal("2 schema violations (protocol: expected one of: http, https; paths[0]: should start with: /)");
    expect(kongMessage("<html>\n  bad gateway\n</html>")).to.equal("<html> bad gateway </html>");
    expect(kongMessage(null)).to.equal("(no body)");
  });
});
