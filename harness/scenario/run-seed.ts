// What a run seeds the old cluster with, and the probes that judge it: the harness's built-in
// configuration (seed.ts), or the user's own declarative configuration (`--config FILE`). Either
// way the rest of the run reads one RunSeed: its probes, rate limits, secrets, the route the load
// balancer's health check uses, and where the Admin workload puts its own entities.
import type { KongAdminClient } from "../kong/admin-client.ts";
import { loadConfig } from "../config/declarative.ts";
import { configProbes } from "../config/config-probes.ts";
import { seedConfig } from "../config/seed-config.ts";
import { configSecrets } from "../config/secrets.ts";
import { ofKind, type KongConfig } from "../config/model.ts";
import { HarnessError } from "../errors.ts";
import { CREDENTIAL_PROBES, SEED_PROBES, SEED_RATE_LIMITS, seedConfiguration, type Probe } from "./seed.ts";
import { UPSTREAM_ALIAS, UPSTREAM_PORT } from "./upstream.ts";

/** Where the Admin workload writes: a service and a key-auth route of its own, never the user's entities. */
export interface WorkloadFixture {
  /** The service its routes are created on. */
  readonly service: string;
  /** A path on a key-auth route: a created key must open it, a deleted one must not. */
  readonly privatePath: string;
  /** Prefix of every name it creates ("" for the built-in seed, whose entities are the harness's own). */
  readonly prefix: string;
  /** The tag on every entity it creates; absent for the built-in seed. */
  readonly tag?: string;
}

export interface RunSeed {
  /** "built-in", or the configuration file as given. */
  readonly source: string;
  /** The probes as generated or written; the baseline may learn their answers (learnsBaseline). */
  readonly probes: readonly Probe[];
  readonly rateLimits: readonly { readonly probe: string; readonly perSecond: number }[];
  /** Probes that present a credential seeded before `up` and must be let through. */
  readonly credentialProbes: readonly string[];
  /** Values no report may show (keys, passwords, the headers made of them). */
  readonly secrets: readonly string[];
  /** A seeded path the load balancer's health check asks (must answer 200 from the upstream). */
  readonly healthPath: string;
  readonly workload: WorkloadFixture;
  /** The probes' expected answers are what the old cluster answers at the baseline, not what the generator predicted. */
  readonly learnsBaseline: boolean;
  /** Plugin names the configuration uses (a stand-in refuses what it does not model). */
  readonly plugins: readonly string[];
  /** What the generator could not do, for the report. */
  readonly notes: readonly string[];
  /** The user's entities are read, never written, after the seed (unless --patch-user-entities). */
  readonly userEntities: boolean;
  seed(admin: KongAdminClient, oldVersion: string): Promise<void>;
}

const HARNESS_TAG = "kuh-workload";

export const BUILT_IN_SEED: RunSeed = {
  source: "built-in", probes: SEED_PROBES, rateLimits: SEED_RATE_LIMITS, credentialProbes: CREDENTIAL_PROBES, secrets: [],
  healthPath: `${SEED_PROBES[0]!.path.split("?")[0]}?probe=health-check`,
  workload: { service: "echo", privatePath: "/private/data", prefix: "" },
  learnsBaseline: false, plugins: ["key-auth", "rate-limiting"], notes: [], userEntities: false,
  async seed(admin) { await seedConfiguration(admin); },
};

/** The harness's own service and routes beside the user's, tagged, for its health check and Admin workload. */
async function seedHarnessFixture(admin: KongAdminClient, fixture: WorkloadFixture): Promise<void> {
  const tags = [HARNESS_TAG];
  const must = async (path: string, body: unknown): Promise<void> => {
    const res = await admin.write("POST", path, body);
    if (res.status !== 201 && res.status !== 200) throw new HarnessError(`seeding the harness's own ${path} on node "${admin.node}" answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  };
  await must("/services", { name: fixture.service, url: `http://${UPSTREAM_ALIAS}:${UPSTREAM_PORT}`, tags });
  await must(`/services/${fixture.service}/routes`, { name: `${fixture.prefix}health`, paths: ["/kuh-health"], tags });
  await must(`/services/${fixture.service}/routes`, { name: `${fixture.prefix}private`, paths: [fixture.privatePath.replace(/\/data$/, "")], tags });
  await must(`/routes/${fixture.prefix}private/plugins`, { name: "key-auth", tags });
}

/**
 * The user's configuration as a run's seed: read and checked against the old version now (exit 2
 * on a malformed file or a field that version does not know), probes generated for every route.
 */
export async function configSeed(file: string, oldVersion: string): Promise<RunSeed> {
  const config: KongConfig = loadConfig(file, oldVersion);
  const generated = configProbes(config);
  const workload: WorkloadFixture = { service: "kuh-workload", privatePath: "/kuh-workload-private/data", prefix: "kuh-", tag: HARNESS_TAG };
  const plugins = [...new Set(ofKind(config, "plugins").map((p) => String(p.fields.name)))].sort();
  return {
    source: file, probes: generated.probes, rateLimits: generated.rateLimits, credentialProbes: generated.credentialProbes,
    secrets: [...new Set([...configSecrets(config), ...generated.secrets])],
    healthPath: "/kuh-health?probe=health-check", workload, learnsBaseline: true, plugins, notes: [...(config.notes ?? []), ...generated.notes], userEntities: true,
    async seed(admin, version) {
      await seedConfig(admin, config, { version, upstream: { host: UPSTREAM_ALIAS, port: UPSTREAM_PORT } });
      await seedHarnessFixture(admin, workload);
    },
  };
}
