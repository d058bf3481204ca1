// The recordings' normalization, on values taken from the recordings and from the stand-in.
import { expect } from "chai";
import { normalize, normalizeString, renamed, schemaByStatement, schemaStatements, summarizeRoot } from "./normalize.ts";

describe("conformance: normalization", function () {
  it("replaces identifiers, addresses, times and generated values with the recordings' placeholders", function () {
    expect(normalize({
      id: "3f1e3c9a-8b1d-4c52-9a36-0f0e6f3b2d11", created_at: 1765021343, updated_at: 1765021343123,
      key: "Xy9aB3dE5fG7hJ2kL4mN6pQ8rS0tU1vW", digest: "a".repeat(40), connect_timeout: 60000,
      next: "/routes?offset=WyJhYmMiXQ%3D%3D", size: "5.00 MiB",
    })).to.deep.equal({
      connect_timeout: 60000, created_at: "<ts>", digest: "<hash>", id: "<uuid>", key: "<random32>",
      next: "/routes?offset=<offset>", size: "<size>", updated_at: "<ts>",
    });
  });

  it("replaces values by what their key says: latency headers, RateLimit-Reset, hostname, timers, counters", function () {
    expect(normalize({ "x-kong-admin-latency": "3", "x-kong-upstream-latency": "12", "ratelimit-reset": "1", "retry-after": "1" }))
      .to.deep.equal({ "ratelimit-reset": "<reset>", "retry-after": "1", "x-kong-admin-latency": "<n>", "x-kong-upstream-latency": "<n>" });
    expect(normalize({ hostname: "kong-p1-ab12-1", timers: { running: 0, pending: 5 }, server: { total_requests: 7 }, workers_lua_vms: [{ pid: 1102 }] }))
      .to.deep.equal({ hostname: "<host>", server: { total_requests: "<n>" }, timers: "<timers>", workers_lua_vms: [{ pid: "<n>" }] });
  });

  it("normalizes nginx log lines but keeps version numbers", function () {
    const line = '172.18.0.1 - - [06/Dec/2026:11:43:12 +0000] "GET /status HTTP/1.1" 200 1111 "-" "conformance-recorder"\n'
      + "2026/12/06 11:43:12 [notice] 1#0: *3 [lua] warmup.lua:129: finished (in 73ms)\n2026/12/06 11:43:12 [notice] 1#0: openresty/1.19.3.2\n"
      + "2026/12/06 11:43:12 [notice] 1#0: start worker process 1102";
    expect(normalizeString(line)).to.equal('<ip> - - [<ts>] "GET /status HTTP/1.1" 200 <bytes> "-" "conformance-recorder"\n'
      + "<ts> [notice] <pid>: *<conn> [lua] warmup.lua:129: finished (in <n>ms)\n<ts> [notice] <pid>: openresty/1.19.3.2\n"
      + "<ts> [notice] <pid>: start worker process <pid>");
  });

  it("is a fixed point on normalized values", function () {
    const once = normalize({ a: "2026/12/06 11:43:12 [warn] 1#0: x 10.0.0.1", id: "3f1e3c9a-8b1d-4c52-9a36-0f0e6f3b2d11", t: 1765021343 });
    expect(normalize(once)).to.deep.equal(once);
  });

  it("keeps pg_dump's statements without comments and SET lines, whitespace collapsed, sorted", function () {
    const dump = [
      "--", "-- PostgreSQL database dump", "--", "\\restrict abc", "SET statement_timeout = 0;", "SELECT pg_catalog.set_config('search_path', '', false);", "",
      "CREATE TABLE public.b (", "    id uuid NOT NULL,", "    name text", ");", "",
      "CREATE FUNCTION public.f() RETURNS trigger", "    LANGUAGE plpgsql", "    AS $$", "  BEGIN", "    -- inside the body", "    RETURN NEW;", "  END;", "$$;", "",
      "ALTER TABLE ONLY public.b", "    ADD CONSTRAINT b_pkey PRIMARY KEY (id);",
    ].join("\n");
    const { statements, schema } = schemaStatements(dump);
    expect(schema.split(";\n")).to.deep.equal([
      "$$", "ALTER TABLE ONLY public.b ADD CONSTRAINT b_pkey PRIMARY KEY (id)",
      "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN -- inside the body RETURN NEW",
      "CREATE TABLE public.b ( id uuid NOT NULL, name text )", "END",
    ]);
    expect(statements).to.equal(5);
    expect(Object.keys(schemaByStatement(schema))).to.deep.equal([
      "$$", "ALTER TABLE ONLY public.b ADD CONSTRAINT b_pkey", "CREATE FUNCTION public.f", "CREATE TABLE public.b", "END",
    ]);
  });

  it("reads a replay's own keyspace or database name as the recorder's, and only that name", function () {
    const replay = {
      stdout: "migrating core on keyspace 'kong_r3ab12'...\nmigrating acl on keyspace 'kong_r3ab12'...",
      schema: "CREATE KEYSPACE kong_r3ab12 WITH replication = {'class': 'SimpleStrategy'};\nCREATE TABLE kong_r3ab12.acls (id uuid PRIMARY KEY)",
      kong_r3ab12: ["kong_r3ab12"],
      // Another replay's name, a longer one, Kong's own words and the name inside a word stay as they are.
      others: ["kong_r3ab123.acls", "kong_r13ab12", "xkong_r3ab12", "Key realm=\"kong\"", "kong.acls"],
    };
    expect(renamed(replay, "kong_r3ab12", "kong")).to.deep.equal({
      stdout: "migrating core on keyspace 'kong'...\nmigrating acl on keyspace 'kong'...",
      schema: "CREATE KEYSPACE kong WITH replication = {'class': 'SimpleStrategy'};\nCREATE TABLE kong.acls (id uuid PRIMARY KEY)",
      kong: ["kong"],
      others: ["kong_r3ab123.acls", "kong_r13ab12", "xkong_r3ab12", "Key realm=\"kong\"", "kong.acls"],
    });
    expect(renamed({ status: 200, ok: true, none: null }, "kong_r3ab12", "kong")).to.deep.equal({ status: 200, ok: true, none: null });
  });

  it("keeps GET / as the recordings do: keys, configuration size and sample, plugin names", function () {
    const body = {
      version: "2.5.1", tagline: "Welcome to kong", hostname: "h", node_id: "n", lua_version: "LuaJIT 2.1.0-beta3", timers: {}, pids: {},
      plugins: { available_on_server: { "key-auth": true, acl: true }, enabled_in_cluster: ["rate-limiting", "key-auth"] },
      configuration: { database: "postgres", pg_host: "kong-database", pg_password: "******", plugins: ["bundled"], mem_cache_size: "128m" },
    };
    expect(summarizeRoot(body, { from: "kong-database", to: "db" })).to.deep.equal({
      configuration_keys: 5, configuration_sample: { database: "postgres", pg_host: "db", pg_password: "******", plugins: ["bundled"] },
      hostname: "h", lua_version: "LuaJIT 2.1.0-beta3", node_id: "n", plugins_available: ["acl", "key-auth"],
      plugins_enabled_in_cluster: ["key-auth", "rate-limiting"], tagline: "Welcome to kong", timers: {},
      top_keys: ["configuration", "hostname", "lua_version", "node_id", "pids", "plugins", "tagline", "timers", "version"], version: "2.5.1",
    });
  });
});
