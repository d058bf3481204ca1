// The qualification matrix: which (from, target, datastore) runs to make, with which scenario and
// images. The version-pair logic (hops, prerequisites, refusals) belongs to `harness/plan/`; until
// it lands, `directPlanner` runs each pair as one Postgres blue/green hop and refuses the rest.
// Swap it through `QualifyOptions.planner` (the seam): the runner only sees PairPlanner.
import { InvalidConfigError } from "../errors.ts";

export type Datastore = "postgres" | "cassandra";
export const DATASTORES: readonly Datastore[] = ["postgres", "cassandra"];

export interface QualifyRequest {
  readonly target: string;
  readonly from: readonly string[];
  readonly datastores: readonly Datastore[];
  /** Image reference of a version; "{version}" is replaced. Default "kong:{version}" (official images). */
  readonly imageTemplate: string;
}

/** One scenario run of the matrix. */
export interface PlannedPair {
  /** Folder name of the run: "1.5.1-to-2.6.0-postgres". */
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: Datastore;
  readonly scenario: string;
  readonly oldImage: string;
  readonly newImage: string;
}

export type PlanResult = { readonly ok: true; readonly pairs: readonly PlannedPair[] } | { readonly ok: false; readonly reason: string };

/** The seam for `harness/plan/`: how to qualify one source version on one datastore. */
export interface PairPlanner {
  plan(from: string, target: string, datastore: Datastore, image: (version: string) => string): PlanResult;
}

export const POSTGRES_SCENARIO = "scenarios/postgres-blue-green.ts";
const VERSION = /^\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.-]+)?$/;

/** One hop per pair, Postgres blue/green only (Cassandra scenarios come with issue 5). */
export const directPlanner: PairPlanner = {
  plan(from, target, datastore, image) {
    if (datastore !== "postgres") return { ok: false, reason: `no ${datastore} scenario yet: only postgres can be qualified until the Cassandra scenarios exist` };
    return { ok: true, pairs: [{ id: `${from}-to-${target}-${datastore}`, from, target, datastore, scenario: POSTGRES_SCENARIO, oldImage: image(from), newImage: image(target) }] };
  },
};

export const imageOf = (template: string) => (version: string): string => template.replaceAll("{version}", version);

/** Checks the request; every problem at once. */
export function validateRequest(r: QualifyRequest): string[] {
  const problems: string[] = [];
  if (!VERSION.test(r.target)) problems.push(`--target must be a version like 2.6.0, but is "${r.target}"`);
  if (r.from.length === 0) problems.push("--from needs at least one source version, e.g. --from 2.5.1,2.4.1");
  for (const v of r.from) if (!VERSION.test(v)) problems.push(`--from version "${v}" is not a version like 2.5.1`);
  if (r.from.includes(r.target)) problems.push(`--from contains the target ${r.target}: an upgrade needs two versions`);
  if (new Set(r.from).size !== r.from.length) problems.push("--from lists a version twice");
  if (r.datastores.length === 0) problems.push("--datastore needs at least one of postgres, cassandra");
  for (const d of r.datastores) if (!DATASTORES.includes(d)) problems.push(`--datastore "${d}" is not one of ${DATASTORES.join(", ")}`);
  if (!r.imageTemplate.includes("{version}")) problems.push(`--image-template must contain {version}, but is "${r.imageTemplate}"`);
  return problems;
}

/** The runs to make, in order (by datastore, then source version as given); refusals fail the whole request. */
export function planMatrix(r: QualifyRequest, planner: PairPlanner = directPlanner): PlannedPair[] {
  const problems = validateRequest(r);
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
  const pairs: PlannedPair[] = [];
  const image = imageOf(r.imageTemplate);
  for (const d of r.datastores) {
    for (const from of r.from) {
      const p = planner.plan(from, r.target, d, image);
      if (p.ok) pairs.push(...p.pairs);
      else problems.push(`${from} -> ${r.target} on ${d}: ${p.reason}`);
    }
  }
  if (problems.length) throw new InvalidConfigError(problems, { hint: "drop the refused pairs or datastores from the request" });
  return pairs;
}
