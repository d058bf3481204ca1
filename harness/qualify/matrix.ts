// The qualification matrix: which (from, target, datastore) runs to make, with which scenario and
// images, and which pairs are not run and why. The upgrade rules (hops, procedures, refusals) are
// `harness/plan/`'s: `seedPlanner` asks planUpgrade for each pair and runs a one-hop plan with the
// scenario scenarioFor gives (Postgres blue/green, Cassandra in place or new keyspace). A pair the
// plan refuses, or one that needs several hops, is kept in the matrix as refused, with the reason.
// A multi-hop pair could later run through `run --path` (all hops on one datastore, one report.json):
// the runner would only need that command line instead of `run <scenario>`.
import { InvalidConfigError } from "../errors.ts";
import { planUpgrade, scenarioFor, type Hop, type Procedure, type RefusalCode } from "../plan/index.ts";
import { appliesTo, axisScenarios } from "./scenario-axis.ts";

export type Datastore = "postgres" | "cassandra";
export const DATASTORES: readonly Datastore[] = ["postgres", "cassandra"];

export interface QualifyRequest {
  readonly target: string;
  readonly from: readonly string[];
  readonly datastores: readonly Datastore[];
  /** Image reference of a version; "{version}" is replaced. Default "kong:{version}" (official images). */
  readonly imageTemplate: string;
  /**
   * The scenario axis (`--scenarios`): each pair runs each of these that applies to its datastore and
   * procedure (scenario-axis.ts). Absent: each pair runs the one scenario its plan names.
   */
  readonly scenarios?: readonly string[];
}

/** One scenario run of the matrix. */
export interface PlannedPair {
  /** Folder name of the run: "1.5.1-to-2.6.0-postgres"; with `--scenarios`, the scenario's name appended ("...-postgres-chaos-during-shift"). */
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: Datastore;
  readonly procedure: Procedure;
  readonly scenario: string;
  readonly oldImage: string;
  readonly newImage: string;
  /** The plan's reason for the procedure, its notes and the procedures it did not choose. */
  readonly reason: string;
  readonly expectsDowntime: boolean;
  readonly notes: readonly string[];
  readonly alternatives: readonly Procedure[];
}

/** A pair of the request that is not run: the plan refused it, or it needs more than one hop. */
export interface RefusedPair {
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: Datastore;
  readonly refusal: string;
  /** The plan's hops ("2.5.1 -> 2.8.x -> 3.0.1") when it has several. */
  readonly path?: string;
}

export type PlanResult =
  | { readonly ok: true; readonly pair: PlannedPair }
  | { readonly ok: false; readonly refusal: string; readonly path?: string }
  /** The request itself is wrong (an unknown release): stops the whole qualification before any run. */
  | { readonly ok: false; readonly invalid: readonly string[] };

/** How to qualify one source version on one datastore. */
export interface PairPlanner {
  plan(from: string, target: string, datastore: Datastore, image: (version: string) => string): PlanResult;
}

/** Refusals that say the request is wrong rather than that the upgrade is not supported. */
const INPUT_REFUSALS: ReadonlySet<RefusalCode> = new Set<RefusalCode>(["bad-version", "unknown-release", "bad-datastore"]);

export const pairId = (from: string, target: string, datastore: string): string => `${from}-to-${target}-${datastore}`;

const hopText = (hops: readonly Hop[]): string => [hops[0]!.from, ...hops.map((h) => (h.toAtLeast ? `${h.to} (>= ${h.toAtLeast})` : h.to))].join(" -> ");

/** The plan's rules, one hop per pair; multi-hop pairs are left to `run --path`. */
export const seedPlanner: PairPlanner = {
  plan(from, target, datastore, image) {
    const plan = planUpgrade({ from, to: target, datastore });
    const invalid = plan.refusals.filter((r) => INPUT_REFUSALS.has(r.code));
    if (invalid.length) return { ok: false, invalid: invalid.map((r) => r.message.replace(/^to: /, "--target: ").replace(/^from: /, "--from: ")) };
    if (plan.refusals.length) return { ok: false, refusal: plan.refusals.map((r) => r.message).join("; ") };
    if (plan.hops.length > 1) {
      const path = hopText(plan.hops);
      return { ok: false, path, refusal: `the plan needs ${plan.hops.length} hops (${path}); qualify runs one-hop pairs: run this path with \`kong-upgrade-harness run --path --from ${from} --to ${target} --datastore ${datastore}\`` };
    }
    const hop = plan.hops[0]!;
    let scenario: string;
    try {
      scenario = scenarioFor(hop);
    } catch (err) {
      return { ok: false, refusal: err instanceof Error ? err.message : String(err) };
    }
    return { ok: true, pair: {
      id: pairId(from, target, datastore), from, target, datastore, procedure: hop.procedure, scenario, oldImage: image(from), newImage: image(target),
      reason: hop.reason, expectsDowntime: hop.expectsDowntime, notes: hop.notes, alternatives: hop.alternatives.map((a) => a.procedure),
    } };
  },
};

export const imageOf = (template: string) => (version: string): string => template.replaceAll("{version}", version);

const VERSION = /^\d+\.\d+\.\d+$/;

/** Checks the request's form; every problem at once. */
export function validateRequest(r: QualifyRequest): string[] {
  const problems: string[] = [];
  if (!VERSION.test(r.target)) problems.push(`--target must be a version like 2.6.0, but is "${r.target}"`);
  if (r.from.length === 0) problems.push("--from needs at least one source version, e.g. --from 2.5.1,2.4.1");
  for (const v of r.from) if (!VERSION.test(v)) problems.push(`--from version "${v}" is not a version like 2.5.1`);
  if (r.from.includes(r.target)) problems.push(`--from contains the target ${r.target}: an upgrade needs two versions`);
  if (new Set(r.from).size !== r.from.length) problems.push("--from lists a version twice");
  if (r.datastores.length === 0) problems.push("--datastore needs at least one of postgres, cassandra");
  for (const d of r.datastores) if (!DATASTORES.includes(d)) problems.push(`--datastore "${d}" is not one of ${DATASTORES.join(", ")}`);
  if (new Set(r.datastores).size !== r.datastores.length) problems.push("--datastore lists a datastore twice");
  if (!r.imageTemplate.includes("{version}")) problems.push(`--image-template must contain {version}, but is "${r.imageTemplate}"`);
  if (r.scenarios !== undefined) {
    try {
      axisScenarios(r.scenarios);
    } catch (err) {
      problems.push(...(err instanceof InvalidConfigError ? err.problems : [String(err)]));
    }
  }
  return problems;
}

export interface MatrixPlan {
  /** The runs to make, in order (by datastore, then source version as given, then scenario as given). */
  readonly runs: readonly PlannedPair[];
  readonly refused: readonly RefusedPair[];
  /** Every pair's id in request order, run or refused: the report's row order. */
  readonly order: readonly string[];
}

/** Plans every pair of the request; throws InvalidConfigError (every problem at once) when the request is wrong. */
export function planMatrix(r: QualifyRequest, planner: PairPlanner = seedPlanner): MatrixPlan {
  const problems = validateRequest(r);
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
  const runs: PlannedPair[] = [];
  const refused: RefusedPair[] = [];
  const order: string[] = [];
  const image = imageOf(r.imageTemplate);
  const axis = r.scenarios ? axisScenarios(r.scenarios) : undefined;
  for (const datastore of r.datastores) {
    for (const from of r.from) {
      const id = pairId(from, r.target, datastore);
      const p = planner.plan(from, r.target, datastore, image);
      const refuse = (refusal: string, path?: string): void => {
        order.push(id);
        refused.push({ id, from, target: r.target, datastore, refusal, ...(path ? { path } : {}) });
      };
      if (p.ok && axis) {
        const applicable = axis.filter((s) => appliesTo(s, p.pair));
        if (applicable.length === 0) {
          refuse(`none of the scenarios asked for (${axis.map((s) => s.name).join(", ")}) applies to this pair: the plan runs it with ${p.pair.procedure} on ${datastore}${p.pair.alternatives.length ? ` (alternatives: ${p.pair.alternatives.join(", ")})` : ""}`);
        }
        for (const s of applicable) {
          // A scenario may carry out an alternative the plan lists rather than the procedure it chose.
          const procedure = s.procedures.includes(p.pair.procedure) ? p.pair.procedure : p.pair.alternatives.find((a) => s.procedures.includes(a))!;
          const reason = procedure === p.pair.procedure ? p.pair.reason : `${procedure} is an alternative the plan lists; it chose ${p.pair.procedure}: ${p.pair.reason}`;
          const run = { ...p.pair, id: `${id}-${s.name}`, scenario: s.file, procedure, reason };
          order.push(run.id);
          runs.push(run);
        }
      } else if (p.ok) {
        order.push(id);
        runs.push(p.pair);
      } else if ("invalid" in p) problems.push(...p.invalid);
      else refuse(p.refusal, p.path);
    }
  }
  if (problems.length) throw new InvalidConfigError([...new Set(problems)], { hint: "see `kong-upgrade-harness plan --from X --to Y`" });
  return { runs, refused, order };
}
