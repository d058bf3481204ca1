import { expect } from "chai";
import { renderHaproxyConfig, serverOptions, type HaproxyConfigOptions } from "./config.ts";
import { parseStat, serverHealthy } from "./runtime-api.ts";
import { clusterOfRequest } from "./split-rule.ts";

const base: HaproxyConfigOptions = {
  frontendPort: 18080, runtimeApiPort: 18081, logPort: 18082, timeoutMs: 5_000, green: 0, retries: { count: 0, beforeAnswer: false },
  servers: [{ cluster: "blue", name: "blue-1", host: "127.0.0.1", port: 32001 }, { cluster: "green", name: "green-1", host: "127.0.0.1", port: 32002 }],
};

describe("traffic/haproxy: the generated configuration", function () {
  it("puts each node in its cluster's backend, splits by the weights map, logs JSON to the harness", function () {
    const cfg = renderHaproxyConfig(base);
    expect(cfg).to.include("bind 127.0.0.1:18080").and.include("stats socket ipv4@127.0.0.1:18081 level admin").and.include("server harness 127.0.0.1:18082");
    const blue = cfg.slice(cfg.indexOf("\nbackend blue\n"), cfg.indexOf("\nbackend green\n"));
    expect(blue).to.include("server blue-1 127.0.0.1:32001 weight 100").and.not.include("green-1");
    expect(cfg).to.include("use_backend green if").and.include("default_backend blue").and.include("map_str_int(/usr/local/etc/haproxy/weights.map,0)");
    expect(cfg).to.include("retries 0").and.not.include("retry-on").and.not.include("option httpchk");
    expect(cfg).to.include("timeout server 5000");
  });

  it("says retries and health checks in HAProxy's terms", function () {
    const hc = { path: "/kuh-health", intervalMs: 500, timeoutMs: 2_000, unhealthyThreshold: 3, healthyThreshold: 2, expectStatus: 200 };
    const cfg = renderHaproxyConfig({ ...base, retries: { count: 2, beforeAnswer: true }, healthCheck: hc });
    expect(cfg).to.include("retries 2").and.include("retry-on conn-failure empty-response").and.include("option redispatch 1");
    expect(cfg).to.include("http-check send meth GET uri /kuh-health hdr x-kuh-probe health-check").and.include("http-check expect status 200").and.include("timeout check 2000");
    expect(cfg).to.include("server green-1 127.0.0.1:32002 weight 100 check inter 500 fall 3 rise 2");
    expect(serverOptions({ ...hc, expectStatus: undefined })).to.equal("weight 100 check inter 500 fall 3 rise 2");
    expect(serverOptions({ ...hc, path: "/status", onAdminPort: true }, 32101)).to.equal("weight 100 check inter 500 fall 3 rise 2 port 32101");
    expect(renderHaproxyConfig({ ...base, healthCheck: { ...hc, expectStatus: undefined } })).to.include("http-check expect rstatus ^[1-4]");
  });
});

describe("traffic/haproxy: Runtime API answers", function () {
  it("reads the cluster backends' servers and request counts from `show stat`", function () {
    const csv = [
      "# pxname,svname,qcur,scur,status,weight,check_status,req_tot",
      "kuh,FRONTEND,,3,OPEN,,,40",
      "blue,blue-1,0,2,UP,100,L7OK,",
      "blue,blue-2,1,0,DOWN 1/2,100,* L4CON,",
      "blue,BACKEND,0,2,UP,100,,25",
      "green,green-1,0,0,MAINT,100,,",
      "green,BACKEND,0,0,DOWN,0,,13",
      "split_counter,BACKEND,0,0,UP,0,,0",
    ].join("\n");
    const s = parseStat(csv);
    expect(s.backendRequests).to.equal(38);
    expect(s.servers.map((x) => `${x.backend}/${x.name} ${x.status} ${x.current}+${x.queued} ${x.checkStatus} ${serverHealthy(x)}`)).to.deep.equal([
      "blue/blue-1 UP 2+0 L7OK true", "blue/blue-2 DOWN 1/2 0+1 L4CON false", "green/green-1 MAINT 0+0  false",
    ]);
  });
});

describe("traffic/haproxy: the split rule", function () {
  it("sends exactly g of every 100 consecutive requests to green, spread out", function () {
    for (const g of [0, 1, 5, 10, 25, 33, 50, 75, 99, 100]) {
      for (const from of [1, 37]) {
        const greens = Array.from({ length: 100 }, (_, i) => clusterOfRequest(from + i, g)).filter((c) => c === "green").length;
        expect(greens, `green ${g}% from request ${from}`).to.equal(g);
      }
    }
    expect(Array.from({ length: 8 }, (_, i) => clusterOfRequest(i + 1, 25))).to.deep.equal(["blue", "blue", "blue", "green", "blue", "blue", "blue", "green"]);
  });
});
