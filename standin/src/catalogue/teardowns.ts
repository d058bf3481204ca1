// Which migrations define a `teardown` for each strategy (kong-reference.md 1.4). A migration with a
// teardown is recorded "pending" by `up` and "executed" only by `finish`. Every migration not listed
// here has no teardown on either strategy.
import type { Strategy } from "../db/types.ts";

type Flags = Readonly<Record<Strategy, boolean>> & {
  /** First Kong version whose Cassandra section has the teardown (absent = every version). */
  readonly cassandraSince?: string;
};
const BOTH: Flags = { postgres: true, cassandra: true };
const CASSANDRA_ONLY: Flags = { postgres: false, cassandra: true };
const POSTGRES_ONLY: Flags = { postgres: true, cassandra: false };

const TEARDOWNS: Readonly<Record<string, Flags>> = {
  "core/005_120_to_130": BOTH,
  "core/007_140_to_150": CASSANDRA_ONLY,
  "core/008_150_to_200": BOTH,
  "core/009_200_to_210": BOTH,
  "core/010_210_to_211": CASSANDRA_ONLY,
  "core/012_213_to_220": BOTH,
  // Kong/kong 013_220_to_230.lua: no Cassandra teardown at 2.3.0-2.6.x; 2.7.0 (#7667) moved the
  // cluster_id insert into a Cassandra teardown.
  "core/013_220_to_230": { ...CASSANDRA_ONLY, cassandraSince: "2.7.0" },
  "core/016_280_to_300": BOTH,
  // 1.x-only plugin steps (Kong/kong @1.5.1; 2.0 folded them into the base migrations): their
  // teardowns fixed 0.14/0.15 data. Bootstrap runs them at once, which leaves `pending` as an empty
  // array instead of null in these subsystems' schema_meta rows.
  "acl/001_14_to_15": BOTH,
  "oauth2/001_14_to_15": BOTH,
  "oauth2/002_15_to_10": BOTH,
  "rate-limiting/001_14_to_15": POSTGRES_ONLY,
  "rate-limiting/002_15_to_10": BOTH,
  "response-ratelimiting/001_14_to_15": POSTGRES_ONLY,
  "response-ratelimiting/002_15_to_10": BOTH,
  "acl/003_200_to_210": BOTH,
  "acl/004_212_to_213": BOTH,
  "bot-detection/001_200_to_210": BOTH,
  "ip-restriction/001_200_to_210": BOTH,
  "oauth2/004_200_to_210": BOTH,
  "oauth2/005_210_to_211": CASSANDRA_ONLY,
  "http-log/001_280_to_300": BOTH,
  // Kong/kong @3.0.0 kong/plugins/pre-function/migrations/_001_280_to_300.lua (shared by
  // post-function): up_f copies `functions` to `access`, the teardown removes `functions`.
  "pre-function/001_280_to_300": BOTH,
  "post-function/001_280_to_300": BOTH,
  // Kong/kong @2.1.0+ kong/plugins/<p>/migrations/003_200_to_210.lua return
  // operations.ws_migrate_plugin(...) (kong/db/migrations/operations/200_to_210.lua), which defines a
  // teardown for BOTH strategies: ws_adjust_data rewrites unique keys and composite cache keys with
  // the workspace. kong-reference.md 1.4 lists them as "no"; Kong's code says yes, and the stand-in
  // models the code.
  "basic-auth/003_200_to_210": BOTH,
  "hmac-auth/003_200_to_210": BOTH,
  "jwt/003_200_to_210": BOTH,
  "key-auth/003_200_to_210": BOTH,
};

const atLeast = (version: string, min: string): boolean => {
  const a = version.split(".").map(Number), b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/** version: the binary's Kong version (some Cassandra teardowns appeared in later releases). */
export function hasTeardown(subsystem: string, name: string, strategy: Strategy, version?: string): boolean {
  const flags = TEARDOWNS[`${subsystem}/${name}`];
  if (!flags) return false;
  if (strategy === "cassandra" && flags.cassandraSince && version && !atLeast(version, flags.cassandraSince)) return false;
  return flags[strategy];
}
