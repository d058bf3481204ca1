// Kong's Admin API error bodies (kong/db/errors.lua): schema violation (2), foreign key (4),
// unique (5), not found (6), with messages built the same way.
export type FieldErrors = Record<string, unknown>;

export interface ApiError { readonly status: number; readonly body: Record<string, unknown> }

/** A Lua string literal as `%q` writes it (pl.pretty quotes strings that way). */
const luaQuote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\\n")}"`;

/**
 * pl.pretty.write of an error table, as errors.lua renders values below the second level: a list
 * prints its items one per line, a list with holes (`[null, "x"]`, from per-element errors) and a
 * record print `[i] = ` / `key = ` entries, nested tables indented by two spaces.
 */
export function luaPretty(v: unknown, indent = ""): string {
  if (typeof v === "string") return luaQuote(v);
  if (v === null || v === undefined) return "nil";
  if (typeof v !== "object") return String(v);
  const inner = `${indent}  `;
  let items: string[];
  if (Array.isArray(v)) {
    const dense = v.every((x) => x !== null && x !== undefined);
    items = v.flatMap((x, i) => (x === null || x === undefined ? [] : [`${inner}${dense ? "" : `[${i + 1}] = `}${luaPretty(x, inner)}`]));
  } else {
    items = Object.keys(v).sort().map((k) => `${inner}${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `[${luaQuote(k)}]`} = ${luaPretty((v as Record<string, unknown>)[k], inner)}`);
  }
  return items.length === 0 ? "{}" : `{\n${items.join(",\n")}\n${indent}}`;
}

/**
 * The lines of errors.lua's schema_violation: the `@entity` messages first, then each field in
 * sorted order; a table of errors gives one `field.sub: message` line per sorted key (list items
 * by position, `paths.1: ...`), and anything deeper is pretty-printed.
 */
function flatten(errors: FieldErrors): string[] {
  const out: string[] = [];
  const entity = errors["@entity"];
  if (Array.isArray(entity)) out.push(...entity.map(String));
  for (const k of Object.keys(errors).sort()) {
    if (k === "@entity") continue;
    const v = errors[k];
    if (v !== null && typeof v === "object") {
      const subs = Array.isArray(v) ? v.map((x, i) => [String(i + 1), x] as const).filter(([, x]) => x !== null && x !== undefined)
        : Object.keys(v).sort().map((s) => [s, (v as Record<string, unknown>)[s]] as const);
      for (const [s, x] of subs) out.push(`${k}.${s}: ${x !== null && typeof x === "object" ? luaPretty(x) : String(x)}`);
    } else {
      out.push(`${k}: ${String(v)}`);
    }
  }
  return out;
}

export function schemaViolation(fields: FieldErrors): ApiError {
  const buf = flatten(fields);
  const message = buf.length === 1 ? `schema violation (${buf[0]})` : `${buf.length} schema violations (${buf.join("; ")})`;
  return { status: 400, body: { code: 2, name: "schema violation", message, fields } };
}

/** Lua-table rendering Kong uses in messages: `{name="svc"}`, keys sorted. */
export function luaTable(fields: Readonly<Record<string, unknown>>): string {
  const render = (v: unknown): string =>
    v === null || v === undefined ? "null"
      : typeof v === "string" ? `"${v}"`
        : typeof v === "object" ? luaTable(v as Record<string, unknown>) : String(v);
  return `{${Object.keys(fields).sort().map((k) => `${k}=${render(fields[k])}`).join(",")}}`;
}

export function uniqueViolation(fields: Readonly<Record<string, unknown>>): ApiError {
  return { status: 409, body: { code: 5, name: "unique constraint violation", message: `UNIQUE violation detected on '${luaTable(fields)}'`, fields } };
}

export function foreignKeyViolation(field: string, id: string, table: string): ApiError {
  return {
    status: 400,
    body: {
      code: 4, name: "foreign key violation",
      message: `the foreign key '${luaTable({ id })}' does not reference an existing '${table}' entity.`,
      fields: { [field]: `the foreign key '${luaTable({ id })}' does not reference an existing '${table}' entity.` },
    },
  };
}

export function notFoundPatch(key: Readonly<Record<string, unknown>>, byPk: boolean): ApiError {
  const message = byPk ? `could not find the entity with primary key '${luaTable(key)}'` : `could not find the entity with '${luaTable(key)}'`;
  return { status: 404, body: { code: 6, name: "not found", message, fields: key } };
}

export const NOT_FOUND: ApiError = { status: 404, body: { message: "Not found" } };
export const UNEXPECTED: ApiError = { status: 500, body: { message: "An unexpected error occurred" } };
