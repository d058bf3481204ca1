// Field-by-field comparison of a recorded transcript with the stand-in's. An observation is
// (file, step name, field path); a difference names all three with both values.
import { canonical, normalize, schemaByStatement, sortedByCanonical } from "./normalize.ts";
import { NOT_RUN, type Step, type StepKind } from "./recordings.ts";

export interface Difference {
  readonly file: string;
  readonly step: string;
  readonly kind: StepKind;
  readonly field: string;
  /** Absent when the recorded transcript has no such field (or step). */
  readonly recorded?: unknown;
  /** Absent when the stand-in's transcript has no such field (or step). */
  readonly standin?: unknown;
}

export interface Comparison {
  readonly file: string;
  readonly observations: number;
  readonly differences: readonly Difference[];
}

/** The field path of a whole step: used when a step exists on one side only. */
export const WHOLE_STEP = "(step)";

const IDENTIFIER = /^[A-Za-z0-9_-]+$/;
const join = (prefix: string, key: string): string => (IDENTIFIER.test(key) ? (prefix ? `${prefix}.${key}` : key) : `${prefix}[${JSON.stringify(key)}]`);

const isPrimitive = (v: unknown): boolean => v === null || typeof v !== "object";

/**
 * Leaves of a value by path. A list of plain values (plugin names, `executed` migrations, methods)
 * is one leaf, as are empty objects and lists; lists of objects are compared item by item.
 */
export function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value) && value.length > 0 && !value.every(isPrimitive)) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, join(prefix, k), out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/**
 * A step as compared: normalized (the recorded side again, see normalize.ts), lists that Kong does
 * not order sorted, the schema keyed by statement, and identity fields left out.
 */
export function comparisonView(step: Step): Record<string, unknown> {
  const view = normalize(step) as Record<string, unknown>;
  delete view.kind;
  delete view.name;
  if (step.kind === "db" && typeof view.schema === "string") view.schema = schemaByStatement(view.schema);
  if (step.kind === "admin-walk" && Array.isArray(view.items)) view.items = byEntity(view.items);
  if (step.kind === "admin" && view.body && typeof view.body === "object" && Array.isArray((view.body as { data?: unknown }).data)) {
    view.body = { ...(view.body as object), data: byEntity((view.body as { data: unknown[] }).data) };
  }
  return view;
}

/** What names an entity of a list answer (`name:p1-route-host`, `custom_id:p1-cid-bob`), with a plugin's policy. */
function entityLabel(item: unknown): string | undefined {
  if (!item || typeof item !== "object") return undefined;
  const o = item as Record<string, unknown>;
  const field = ["name", "username", "custom_id", "key"].find((k) => typeof o[k] === "string");
  if (!field) return undefined;
  const policy = (o.config as Record<string, unknown> | undefined)?.policy;
  return `${field}:${o[field] as string}${typeof policy === "string" ? ` ${policy}` : ""}`;
}

/**
 * A list of entities keyed by what names each (in sorted order, `#2`... for namesakes), so one
 * entity's fields are compared with the same entity's even when the lists differ in length or order.
 */
function byEntity(items: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [i, item] of sortedByCanonical(items).entries()) {
    const base = entityLabel(item) ?? `#${i + 1}`;
    let key = base;
    for (let n = 2; key in out; n++) key = `${base} #${n}`;
    out[key] = item;
  }
  return out;
}

export function compareStep(file: string, recorded: Step | undefined, standin: Step | undefined): { observations: number; differences: Difference[] } {
  const any = (recorded ?? standin)!;
  const base = { file, step: any.name, kind: any.kind };
  if (!recorded) return { observations: 1, differences: [{ ...base, field: WHOLE_STEP, standin: summaryOf(standin!) }] };
  if (!standin || NOT_RUN in standin) {
    return { observations: 1, differences: [{ ...base, field: WHOLE_STEP, recorded: "ran", standin: standin ? { [NOT_RUN]: standin[NOT_RUN] } : "missing" }] };
  }
  const r = flatten(comparisonView(recorded));
  const s = flatten(comparisonView(standin));
  const differences: Difference[] = [];
  const fields = new Set([...r.keys(), ...s.keys()]);
  for (const field of fields) {
    const inR = r.has(field);
    const inS = s.has(field);
    if (inR && inS && canonical(r.get(field)) === canonical(s.get(field))) continue;
    differences.push({ ...base, field, ...(inR ? { recorded: r.get(field) } : {}), ...(inS ? { standin: s.get(field) } : {}) });
  }
  return { observations: fields.size, differences };
}

/** A short stand-in for a whole step in a difference (its kind-specific headline fields). */
function summaryOf(step: Step): unknown {
  const { kind, name: _name, ...rest } = step;
  const headline: Record<string, unknown> = { kind };
  for (const k of ["started", "status", "exit", "exited", "error"]) if (k in rest) headline[k] = rest[k];
  return headline;
}

/** Every step of both transcripts, matched by name, in the recording's order then the stand-in's extras. */
export function compareTranscripts(file: string, recorded: readonly Step[], standin: readonly Step[]): Comparison {
  const byName = new Map(standin.map((s) => [s.name, s]));
  const seen = new Set<string>();
  let observations = 0;
  const differences: Difference[] = [];
  for (const r of recorded) {
    seen.add(r.name);
    const c = compareStep(file, r, byName.get(r.name));
    observations += c.observations;
    differences.push(...c.differences);
  }
  for (const s of standin) {
    if (seen.has(s.name)) continue;
    const c = compareStep(file, undefined, s);
    observations += c.observations;
    differences.push(...c.differences);
  }
  return { file, observations, differences };
}
