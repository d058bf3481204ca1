// Which migrations define a `teardown` for each strategy (kong-reference.md 1.4). A migration with a
// teardown is recorded "pending" by `up` and "executed" only by `finish`. Every migration not listed
// here has no teardown on either strategy.
import type { Strategy } from "../db/types.ts";

type Flags = Readonly<Record<Strategy, boolean>>;
const BOTH: Flags = { postgres: true, cassandra: true };
const CASSANDRA_ONLY: Flags = { postgres: false, cassandra: true };

const TEARDOWNS: Readonly<Record<string, Flags>> = {
  "core/005_120_to_130": BOTH,
  "core/007_140_to_150": CASSANDRA_ONLY,
  "core/008_150_to_200": BOTH,
  "core/009_200_to_210": BOTH,
  "core/010_210_to_211": CASSANDRA_ONLY,
  "core/012_213_to_220": BOTH,
  "core/013_220_to_230": CASSANDRA_ONLY,
  "core/016_280_to_300": BOTH,
  "acl/003_200_to_210": BOTH,
  "acl/004_212_to_213": BOTH,
  "bot-detection/001_200_to_210": BOTH,
  "ip-restriction/001_200_to_210": BOTH,
  "oauth2/004_200_to_210": BOTH,
  "oauth2/005_210_to_211": CASSANDRA_ONLY,
  "http-log/001_280_to_300": BOTH,
};

export function hasTeardown(subsystem: string, name: string, strategy: Strategy): boolean {
  return TEARDOWNS[`${subsystem}/${name}`]?.[strategy] ?? false;
}
