// A profile's mix entries matched against a run's probes: which probes each entry picks and the
// weight each probe ends with. An entry is a set of conditions a probe must all meet (`all: true`
// picks every probe); an entry that picks nothing is an error naming it, since a typo in a route
// name would otherwise silently leave that traffic out.
import { InvalidConfigError } from "../errors.ts";
import type { Probe, ProbePurpose } from "../scenario/seed.ts";

type OneOrMany<T> = T | readonly T[];

export interface MixEntry {
  /** A probe by name ("keyauth-ok", "orders-list:key-auth"). */
  readonly probe?: string;
  /** Probes of a route, by name ("orders-list") or entity key ("routes/orders-list"). */
  readonly route?: OneOrMany<string>;
  /** Probes whose path (query aside) starts with this ("/catalog"). */
  readonly path?: string;
  readonly method?: OneOrMany<string>;
  /** The credential kind presented: "key-auth", "basic-auth", "jwt", "none" (refused without any), ... */
  readonly credential?: OneOrMany<string>;
  readonly purpose?: OneOrMany<ProbePurpose>;
  /** Every probe (the other conditions, if any, still apply). */
  readonly all?: true;
  /** Each probe the entry picks gets this weight; default 1. */
  readonly weight?: number;
  /** Instead of weight: this weight in total, split evenly among the probes the entry picks. */
  readonly share?: number;
}

export type Mix = readonly MixEntry[];

const SELECTORS = ["probe", "route", "path", "method", "credential", "purpose"] as const;
const list = <T>(x: OneOrMany<T>): readonly T[] => (Array.isArray(x) ? x : [x as T]);
const tail = (key: string): string => key.slice(key.indexOf("/") + 1);

/** How an entry is named in errors: `{ route: "cart", credential: "none" }`. */
export function entryLabel(entry: MixEntry, index: number): string {
  const fields = [...(entry.all ? ["all: true"] : []), ...SELECTORS.flatMap((k) => (entry[k] === undefined ? [] : [`${k}: ${JSON.stringify(entry[k])}`]))];
  return `mix entry ${index + 1} ${fields.length ? `{ ${fields.join(", ")} }` : "{}"}`;
}

/** Problems of an entry on its own (no probes needed): conditions and weights. */
export function entryProblems(entry: MixEntry, index: number): string[] {
  const problems: string[] = [];
  const label = entryLabel(entry, index);
  if (typeof entry !== "object" || entry === null) return [`mix entry ${index + 1} is not an object`];
  const hasCondition = SELECTORS.some((k) => entry[k] !== undefined);
  if (!entry.all && !hasCondition) problems.push(`${label} picks no probe: give probe, route, path, method, credential or purpose, or all: true`);
  if (entry.weight !== undefined && entry.share !== undefined) problems.push(`${label} has both weight and share: give one`);
  for (const k of ["weight", "share"] as const) {
    const w = entry[k];
    if (w !== undefined && !(typeof w === "number" && Number.isFinite(w) && w > 0)) problems.push(`${label}: ${k} must be a number > 0, got ${String(w)}`);
  }
  return problems;
}

function matches(entry: MixEntry, p: Probe): boolean {
  if (entry.probe !== undefined && p.name !== entry.probe) return false;
  if (entry.route !== undefined && !(p.route !== undefined && list(entry.route).some((r) => r === p.route || r === tail(p.route!)))) return false;
  if (entry.path !== undefined && !p.path.split("?")[0]!.startsWith(entry.path)) return false;
  if (entry.method !== undefined && !list(entry.method).some((m) => m.toUpperCase() === p.method.toUpperCase())) return false;
  if (entry.credential !== undefined && !(p.credential !== undefined && list(entry.credential).includes(p.credential))) return false;
  if (entry.purpose !== undefined && !(p.purpose !== undefined && list(entry.purpose).includes(p.purpose))) return false;
  return true;
}

export interface WeightedProbes {
  /** Picked probes, in the run's probe order. */
  readonly probes: readonly Probe[];
  /** Weight of each picked probe (entries that pick the same probe add up). */
  readonly weights: readonly number[];
}

/** The probes a mix picks and their weights; every entry must pick at least one probe. */
export function weighProbes(mix: Mix, probes: readonly Probe[]): WeightedProbes {
  if (!Array.isArray(mix) || mix.length === 0) throw new InvalidConfigError(["a mix needs at least one entry"]);
  const problems = mix.flatMap(entryProblems);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  const weight = new Map<string, number>();
  const unmatched: string[] = [];
  mix.forEach((entry, i) => {
    const picked = probes.filter((p) => matches(entry, p));
    if (picked.length === 0) {
      unmatched.push(entryLabel(entry, i));
      return;
    }
    const each = entry.share !== undefined ? entry.share / picked.length : entry.weight ?? 1;
    for (const p of picked) weight.set(p.name, (weight.get(p.name) ?? 0) + each);
  });
  if (unmatched.length > 0) {
    const described = probes.some((p) => p.route !== undefined || p.purpose !== undefined);
    const which = unmatched.length === mix.length && mix.length > 2 ? `none of its ${mix.length} mix entries matches any` : `${unmatched.join(", ")} ${unmatched.length === 1 ? "matches" : "match"} none`;
    throw new InvalidConfigError([`${which} of the run's ${probes.length} probes`], {
      hint: described
        ? "entries pick probes by name, route (name or routes/<name>), path prefix, method, credential kind and purpose (load/README.md)"
        : "the built-in probes name no route, credential kind or purpose: pick them by probe, path or method, or run with --config",
    });
  }
  const picked = probes.filter((p) => weight.has(p.name));
  return { probes: picked, weights: picked.map((p) => weight.get(p.name)!) };
}
