// A validator for the subset of JSON Schema (2020-12) that reports/schema/*.json use: type, const,
// enum, required, properties, additionalProperties, items, $ref to #/$defs, anyOf, minimum,
// maximum, minLength, pattern. An unknown keyword throws, so the schema cannot silently use more.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Schema = { [k: string]: unknown };

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs"]);
const KEYWORDS = new Set(["type", "const", "enum", "required", "properties", "additionalProperties", "items", "$ref", "anyOf", "minimum", "maximum", "minLength", "pattern"]);

const typeOf = (v: Json): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);
const typeMatches = (actual: string, wanted: string): boolean => actual === wanted || (wanted === "number" && actual === "integer");

export function validate(root: Schema, value: unknown): string[] {
  let errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const s = m ? (root.$defs as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!s) throw new Error(`unsupported or unknown $ref ${ref}`);
    return s;
  };
  const walk = (s: Schema, v: Json, path: string): void => {
    for (const k of Object.keys(s)) if (!ANNOTATIONS.has(k) && !KEYWORDS.has(k)) throw new Error(`schema keyword "${k}" at ${path} is not supported by this validator`);
    if (typeof s.$ref === "string") walk(resolve(s.$ref), v, path);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(typeOf(v), t))) { errors.push(`${path}: must be ${types.join(" or ")}, but is ${typeOf(v)} ${JSON.stringify(v)?.slice(0, 60)}`); return; }
    }
    if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(v)) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if (Array.isArray(s.anyOf)) {
      const outer = errors;
      const branches = (s.anyOf as Schema[]).map((b) => {
        errors = [];
        walk(b, v, path);
        return errors;
      });
      errors = outer;
      if (!branches.some((b) => b.length === 0)) errors.push(`${path}: matches no anyOf branch (${branches.map((b) => b[0]).join(" | ")})`);
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum) errors.push(`${path}: ${v} < minimum ${s.minimum}`);
      if (typeof s.maximum === "number" && v > s.maximum) errors.push(`${path}: ${v} > maximum ${s.maximum}`);
    }
    if (typeof v === "string") {
      if (typeof s.minLength === "number" && v.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
      if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)) errors.push(`${path}: ${JSON.stringify(v.slice(0, 60))} does not match ${s.pattern}`);
    }
    if (Array.isArray(v) && s.items) v.forEach((x, i) => walk(s.items as Schema, x, `${path}[${i}]`));
    if (typeOf(v) === "object") {
      const o = v as { [k: string]: Json };
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in o)) errors.push(`${path}: "${r}" is required`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) walk(props[k], x, `${path}.${k}`);
        else if (s.additionalProperties === false) errors.push(`${path}: property "${k}" is not allowed`);
        else if (typeof s.additionalProperties === "object") walk(s.additionalProperties as Schema, x, `${path}.${k}`);
      }
    }
  };
  const { $defs: _defs, ...top } = root;
  walk(top, value as Json, "$");
  return errors;
}
