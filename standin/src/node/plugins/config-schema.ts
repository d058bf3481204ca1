// Plugin config schemas as kong/db/schema/init.lua validates them: a record of fields, each with a
// type, a default, `required`, the validators the plugin's schema.lua declares, and the version range
// that has it. Validation returns Kong's error table (`{allow = "expected an array"}`,
// `{origins = {[2] = "..."}}`), and a stored config is read back with this version's defaults filled
// in (process_auto_fields, select context). A field without a type is taken as given (the shape the
// stand-in's key-auth and rate-limiting schemas have always had).
import { atLeast } from "../../catalogue/entities.ts";

export type SchemaType = "string" | "integer" | "number" | "boolean" | "array" | "set" | "record";

/** What one value must satisfy; Kong checks the type first, then its validators in this order. */
export interface ValueRule {
  readonly type?: SchemaType;
  readonly oneOf?: readonly (string | number)[];
  readonly gt?: number;
  readonly between?: readonly [number, number];
  readonly lenMin?: number;
  /** A Lua `match` pattern, as a RegExp: "invalid value: <value>". */
  readonly match?: RegExp;
  /** A custom_validator: a message when the value is refused. */
  readonly check?: (value: unknown) => string | undefined;
  /** Array and set elements. */
  readonly elements?: ValueRule;
  /** Record fields. */
  readonly fields?: readonly ConfigField[];
}

export interface ConfigField extends ValueRule {
  readonly name: string;
  /** Kong's default; absent = none (the field reads as null), except records, which are always filled. */
  readonly default?: unknown;
  /** `required = true`: null is refused on write, and a stored null reads back as the default. */
  readonly required?: boolean;
  /** First Kong version whose schema has the field. */
  readonly since?: string;
  /** First Kong version whose schema no longer has it. */
  readonly until?: string;
  /** Versions from which `required` holds (2.3.0 made many plugin fields required). */
  readonly requiredSince?: string;
}

/** Deprecated input names a version maps onto a field (schema `shorthands`/`shorthand_fields`). */
export interface Shorthand { readonly name: string; readonly to: string; readonly since: string; readonly until: string }

export type ErrorTable = Record<string, unknown>;

const inVersion = (f: ConfigField, version: string): boolean =>
  (f.since === undefined || atLeast(version, f.since)) && (f.until === undefined || !atLeast(version, f.until));

const isRequired = (f: ConfigField, version: string): boolean =>
  f.required === true || (f.requiredSince !== undefined && atLeast(version, f.requiredSince));

export function fieldsFor(fields: readonly ConfigField[], version: string): ConfigField[] {
  return fields.filter((f) => inVersion(f, version));
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function typeError(type: SchemaType, v: unknown): string | undefined {
  switch (type) {
    case "string": return typeof v === "string" ? undefined : "expected a string";
    case "integer": return typeof v === "number" && Number.isInteger(v) ? undefined : "expected an integer";
    case "number": return typeof v === "number" ? undefined : "expected a number";
    case "boolean": return typeof v === "boolean" ? undefined : "expected a boolean";
    case "array": return Array.isArray(v) ? undefined : "expected an array";
    case "set": return Array.isArray(v) ? undefined : "expected a set";
    case "record": return isRecord(v) ? undefined : "expected a record";
  }
}

/** Checks one value; an error is a message, or a table for element and record errors. */
function checkValue(rule: ValueRule, v: unknown, version: string): unknown {
  if (rule.type) {
    const t = typeError(rule.type, v);
    if (t) return t;
  }
  if (rule.oneOf && !rule.oneOf.includes(v as string | number)) return `expected one of: ${rule.oneOf.join(", ")}`;
  if (rule.gt !== undefined && typeof v === "number" && !(v > rule.gt)) return `value must be greater than ${rule.gt}`;
  if (rule.between && typeof v === "number" && (v < rule.between[0] || v > rule.between[1])) return `value should be between ${rule.between[0]} and ${rule.between[1]}`;
  if (rule.lenMin !== undefined && (typeof v === "string" || Array.isArray(v)) && v.length < rule.lenMin) return `length must be at least ${rule.lenMin}`;
  if (rule.match && typeof v === "string" && !rule.match.test(v)) return `invalid value: ${v}`;
  if (rule.check) {
    const m = rule.check(v);
    if (m) return m;
  }
  if (rule.elements && Array.isArray(v)) {
    const errs = v.map((x) => checkValue(rule.elements!, x, version) ?? null);
    if (errs.some((e) => e !== null)) return errs;
  }
  if (rule.fields && isRecord(v)) {
    const r = validateRecord(rule.fields, v, version);
    if (r.errors) return r.errors;
  }
  return undefined;
}

function defaultOf(f: ConfigField, version: string): unknown {
  if (f.default !== undefined) return structuredClone(f.default);
  if (f.type === "record" && f.fields) return filledRecord(f.fields, {}, version, false);
  return null;
}

/** A record with every field of this version: absent ones (and on read, nulls of required ones) take their default. */
export function filledRecord(fields: readonly ConfigField[], given: Record<string, unknown>, version: string, onRead: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsFor(fields, version)) {
    const v = given[f.name];
    if (v === undefined || (onRead && v === null && isRequired(f, version))) out[f.name] = defaultOf(f, version);
    else if (f.type === "record" && f.fields && isRecord(v)) out[f.name] = filledRecord(f.fields, v, version, onRead);
    else out[f.name] = v;
  }
  return out;
}

/** Validates a record given through the Admin API; returns the filled record or Kong's error table. */
export function validateRecord(fields: readonly ConfigField[], given: Record<string, unknown>, version: string, shorthands: readonly Shorthand[] = []):
  { value: Record<string, unknown>; errors?: undefined } | { errors: ErrorTable } {
  const input: Record<string, unknown> = { ...given };
  for (const s of shorthands) {
    if (s.name in input && atLeast(version, s.since) && !atLeast(version, s.until)) {
      const v = input[s.name];
      delete input[s.name];
      if (v !== undefined && v !== null) input[s.to] = v;
    }
  }
  const errors: ErrorTable = {};
  const active = fieldsFor(fields, version);
  const known = new Set(active.map((f) => f.name));
  for (const k of Object.keys(input)) if (!known.has(k)) errors[k] = "unknown field";
  const value = filledRecord(fields, input, version, false);
  for (const f of active) {
    if (errors[f.name] !== undefined) continue;
    const v = value[f.name];
    if (v === null || v === undefined) {
      if (isRequired(f, version)) errors[f.name] = "required field missing";
      continue;
    }
    const e = checkValue(f, v, version);
    if (e !== undefined) errors[f.name] = e;
  }
  return Object.keys(errors).length > 0 ? { errors } : { value };
}

/** Kong's `is_nonempty` for entity checks: null, an empty table and "" count as empty. */
export function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}

/** `at_least_one_of`/`only_one_of` over config fields, with Kong's messages. */
export function atLeastOneOf(config: Record<string, unknown>, names: readonly string[]): string | undefined {
  return names.some((n) => nonEmpty(config[n])) ? undefined
    : `at least one of these fields must be non-empty: ${names.map((n) => `'config.${n}'`).join(", ")}`;
}

/** 2.6.0 reworded only_one_of's message ("exactly one"). */
export function onlyOneOf(config: Record<string, unknown>, names: readonly string[], version: string): string | undefined {
  return names.filter((n) => nonEmpty(config[n])).length === 1 ? undefined
    : `${atLeast(version, "2.6.0") ? "exactly" : "only"} one of these fields must be non-empty: ${names.map((n) => `'config.${n}'`).join(", ")}`;
}
