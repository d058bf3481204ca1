// A realistic configuration created through the OLD cluster's Admin API, and the probes (requests
// with their expected answers) that load and checks use. Old-shaped data on purpose: consumers with
// only a custom_id, plugins created without the fields later versions add.
import { HarnessError } from "../errors.ts";
import type { KongAdminClient } from "../kong/admin-client.ts";
import { UPSTREAM_ALIAS, UPSTREAM_PORT } from "./upstream.ts";

/** A request with its expected answers. Each probe's URL is unique (its name in the query string),
 * so client-side load results can be told apart even where two probes share a path. */
export interface Probe {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Statuses that are a correct answer under load (a rate-limited probe may get 200 or 429). */
  readonly expect: readonly number[];
  /** The answer must have come from the upstream (x-echo header), not from Kong itself. */
  readonly fromUpstream: boolean;
  /** A request body (request-size-limiting's oversized one); POST and PUT send "{}" without it. */
  readonly body?: string;
  /** Generated from a configuration (config-probes.ts): the route it exercises, by entity key ("routes/orders-list"). */
  readonly route?: string;
  /** The credential kind it presents ("key-auth", "basic-auth", "jwt", "none" for a refused one without any). */
  readonly credential?: string;
  /** What it asks of the route: reach the upstream, be refused without credentials, be refused by ACL, ... */
  readonly purpose?: ProbePurpose;
  /**
   * Its answer may differ from request to request (rate limiting): the baseline keeps `expect` as
   * given instead of learning the old cluster's one answer.
   */
  readonly varies?: boolean;
}

export type ProbePurpose = "reach" | "no-credentials" | "wrong-credentials" | "credential" | "acl-denied" | "rate-limit" | "too-large" | "cors-preflight" | "ip-restriction" | "log-replay";

/** What a probe sends as its body: its own, or "{}" for a method that carries one. */
export const probeBody = (p: Pick<Probe, "method" | "body">): string | undefined =>
  p.body ?? (p.method === "POST" || p.method === "PUT" || p.method === "PATCH" ? "{}" : undefined);

const probe = (name: string, method: string, path: string, expect: number[], headers: Record<string, string> = {}, meta: Pick<Probe, "credential" | "purpose" | "route"> = {}): Probe =>
  ({ name, method, path: `${path}?probe=${name}`, headers: { "x-kuh-probe": name, ...headers }, expect, fromUpstream: expect.includes(200), ...meta });

/**
 * An odd number of probes on purpose: the load generator cycles through them in order and the load
 * balancer alternates clusters at 50%, so with an even count each probe would always land on the
 * same cluster and one cluster would never see, say, the rate-limited or the key-auth requests.
 */
export const SEED_PROBES: readonly Probe[] = [
  probe("public-get", "GET", "/public/items", [200]),
  probe("public-get-other", "GET", "/public/other", [200]),
  probe("host-route", "GET", "/", [200], { host: "api.example.test" }),
  probe("method-post", "POST", "/orders", [200]),
  probe("method-wrong", "GET", "/orders", [404]),
  probe("keyauth-ok", "GET", "/private/data", [200], { apikey: "alice-key" }, { route: "routes/private", credential: "key-auth", purpose: "credential" }),
  probe("keyauth-custom-id", "GET", "/private/data", [200], { apikey: "cust-key" }, { route: "routes/private", credential: "key-auth", purpose: "credential" }),
  probe("keyauth-missing", "GET", "/private/data", [401], {}, { route: "routes/private", credential: "none", purpose: "no-credentials" }),
  probe("keyauth-wrong", "GET", "/private/data", [401], { apikey: "not-a-key" }, { route: "routes/private", credential: "key-auth", purpose: "wrong-credentials" }),
  probe("rate-limited", "GET", "/limited", [200, 429]),
  probe("no-route", "GET", "/nowhere", [404]),
];

/** The rate limit on /limited, shared by every node through the datastore (policy `cluster`). */
export const SEED_RATE_LIMITS = [{ probe: "rate-limited", perSecond: 5 }] as const;

/** Probes that present a key-auth credential the seed created before `up` and must get 200 (one of them on a consumer with only a custom_id). */
export const CREDENTIAL_PROBES: readonly string[] = SEED_PROBES.filter((p) => "apikey" in p.headers && p.expect.length === 1 && p.expect[0] === 200).map((p) => p.name);

async function must(admin: KongAdminClient, method: "POST" | "PUT", path: string, body: unknown): Promise<{ id: string }> {
  const res = await admin.write<{ id: string }>(method, path, body);
  if (res.status !== 201 && res.status !== 200) {
    throw new HarnessError(`seeding ${method} ${path} on node "${admin.node}" answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** Creates the seed configuration; returns the ids created, by name, for later state checks. */
export async function seedConfiguration(admin: KongAdminClient): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const svc = await must(admin, "POST", "/services", { name: "echo", url: `http://${UPSTREAM_ALIAS}:${UPSTREAM_PORT}` });
  ids.service = svc.id;
  const routes: [string, Record<string, unknown>][] = [
    ["public", { paths: ["/public"] }],
    ["host", { hosts: ["api.example.test"] }],
    ["methods", { paths: ["/orders"], methods: ["POST", "PUT"] }],
    ["private", { paths: ["/private"] }],
    ["limited", { paths: ["/limited"] }],
  ];
  for (const [name, body] of routes) ids[`route:${name}`] = (await must(admin, "POST", "/services/echo/routes", { name, ...body })).id;
  ids["consumer:alice"] = (await must(admin, "POST", "/consumers", { username: "alice" })).id;
  ids["consumer:cust-42"] = (await must(admin, "POST", "/consumers", { custom_id: "cust-42" })).id;
  ids["cred:alice"] = (await must(admin, "POST", "/consumers/alice/key-auth", { key: "alice-key" })).id;
  ids["cred:cust-42"] = (await must(admin, "POST", `/consumers/${ids["consumer:cust-42"]}/key-auth`, { key: "cust-key" })).id;
  ids["plugin:key-auth"] = (await must(admin, "POST", "/routes/private/plugins", { name: "key-auth" })).id;
  ids["plugin:rate-limiting"] = (await must(admin, "POST", "/routes/limited/plugins", { name: "rate-limiting", config: { second: SEED_RATE_LIMITS[0]!.perSecond, policy: "cluster" } })).id;
  return ids;
}
