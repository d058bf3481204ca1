// Kong's Admin API error bodies (kong/db/errors.lua): schema violation (2), foreign key (4),
// unique (5), not found (6), with messages built the same way.
export type FieldErrors = Record<string, unknown>;

export interface ApiError { readonly status: number; readonly body: Record<string, unknown> }

/** Flattens `{a: "x", config: {b: "y"}, "@entity": ["z"]}` into sorted `a: x`, `config.b: y`, `z`. */
function flatten(errors: FieldErrors, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(errors)) {
    if (k === "@entity" && Array.isArray(v)) out.push(...v.map(String));
    else if (v && typeof v === "object" && !Array.isArray(v)) out.push(...flatten(v as FieldErrors, `${prefix}${k}.`));
    else if (Array.isArray(v)) out.push(...v.map((m) => `${prefix}${k}: ${String(m)}`));
    else out.push(`${prefix}${k}: ${String(v)}`);
  }
  return out;
}

export function schemaViolation(fields: FieldErrors): ApiError {
  const buf = flatten(fields).sort();
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
