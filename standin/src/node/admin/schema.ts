// Admin API input → DAO row for one Kong version: unknown fields, types, one_of, required fields,
// defaults (on create/replace), the `url` shorthand and the entity checks Kong's schemas declare.
// Pure: no I/O, so the error messages are unit-tested word for word.
import { atLeast, defaultFor, entityFor, valueOnRead, type FieldDef } from "../../catalogue/entities.ts";
import type { EntityTable, Row } from "../../db/types.ts";
import type { FieldErrors } from "./errors.ts";
import { credentialChecks } from "./credentials.ts";
import { configOnRead, pluginConfig } from "./plugin-schemas.ts";

export type WriteMode = "create" | "replace" | "patch";
export type Validated = { readonly row: Row } | { readonly errors: FieldErrors };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);

function checkType(fd: FieldDef, v: unknown): string | null {
  switch (fd.type) {
    case "string": return typeof v !== "string" ? "expected a string" : v.length === 0 ? "length must be at least 1" : null;
    case "integer": return typeof v === "number" && Number.isInteger(v) ? null : "expected an integer";
    case "number": return typeof v === "number" ? null : "expected a number";
    case "boolean": return typeof v === "boolean" ? null : "expected a boolean";
    case "set": return Array.isArray(v) ? null : "expected a set";
    case "array": return Array.isArray(v) ? null : "expected an array";
    case "record": return v !== null && typeof v === "object" && !Array.isArray(v) ? null : "expected a record";
    case "uuid": return typeof v === "string" && isUuid(v) ? null : "expected a valid UUID";
    case "foreign": {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return "expected a record";
      const id = (v as Record<string, unknown>).id;
      return typeof id === "string" && isUuid(id) ? null : "expected a valid UUID";
    }
    default: return null;
  }
}

/** Kong's service `url` shorthand: protocol, host, port and path in one field. */
function expandUrl(input: Record<string, unknown>, errors: FieldErrors): Record<string, unknown> {
  if (!("url" in input)) return input;
  const { url, ...rest } = input;
  try {
    const u = new URL(String(url));
    const protocol = u.protocol.replace(/:$/, "");
    return { ...rest, protocol, host: u.hostname, port: u.port ? Number(u.port) : protocol === "https" ? 443 : 80, path: u.pathname === "/" && !String(url).match(/^[a-z]+:\/\/[^/]+\//i) ? null : u.pathname };
  } catch {
    errors.url = "missing host in url";
    return rest;
  }
}

function entityChecks(table: EntityTable, row: Row, errors: FieldErrors, version: string): void {
  const entity: string[] = [];
  if (table === "consumers" && row.username == null && row.custom_id == null) {
    entity.push("at least one of these fields must be non-empty: 'custom_id', 'username'");
  }
  if (table === "routes") {
    const protocols = Array.isArray(row.protocols) ? (row.protocols as string[]) : [];
    const set = (k: string): boolean => Array.isArray(row[k]) ? (row[k] as unknown[]).length > 0 : row[k] != null && typeof row[k] === "object";
    const http = protocols.some((p) => p === "http" || p === "https");
    if (http && !["methods", "hosts", "headers", "paths"].some(set) && !(protocols.includes("https") && set("snis"))) {
      entity.push(protocols.includes("https")
        ? "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"
        : "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'");
    }
    // Per-element errors sit at the element's position (`paths.2: ...`); 3.0 names the regex form too.
    const paths = Array.isArray(row.paths) ? (row.paths as unknown[]) : [];
    const bad = paths.map((p) => (typeof p !== "string" || !(p.startsWith("/") || (atLeast(version, "3.0.0") && p.startsWith("~")))
      ? (atLeast(version, "3.0.0") ? "should start with: / (fixed path) or ~/ (regex path)" : "should start with: /") : null));
    if (bad.some((m) => m !== null)) errors.paths = bad;
  }
  if (table === "services" && typeof row.path === "string" && !row.path.startsWith("/")) errors.path = "should start with: /";
  if (table === "services" && typeof row.port === "number" && (row.port < 0 || row.port > 65535)) errors.port = "value should be between 0 and 65535";
  if (entity.length > 0) errors["@entity"] = entity;
}

export interface SchemaContext {
  readonly version: string;
  /** Plugin names the node accepts (enabled and modelled). */
  readonly enabledPlugins: readonly string[];
  /** The stored row (API shape already applied) for replace/patch. */
  readonly existing?: Row | null;
}

/** Validates an Admin API body and returns the DAO row (column names) to write. */
export function validate(table: EntityTable, body: Record<string, unknown>, mode: WriteMode, ctx: SchemaContext): Validated {
  const errors: FieldErrors = {};
  const input = table === "services" ? expandUrl(body, errors) : body;
  const fields = entityFor(ctx.version, table).fields.filter((fd) => !fd.internal);
  const byName = new Map(fields.map((fd) => [fd.name, fd]));
  for (const k of Object.keys(input)) if (!byName.has(k)) errors[k] = "unknown field";
  const row: Row = mode === "patch" && ctx.existing ? { ...ctx.existing } : {};
  // Kong's read-before-write sees the stored row with this version's defaults filled in.
  if (mode === "patch") for (const fd of fields) if (fd.required) row[fd.column] = valueOnRead(fd, ctx.version, row[fd.column]);
  for (const fd of fields) {
    const v = input[fd.name];
    if (fd.auto) continue;
    if (v === undefined) {
      if (mode !== "patch" && row[fd.column] === undefined) {
        const d = defaultFor(fd, ctx.version);
        if (d !== undefined) row[fd.column] = structuredClone(d);
      }
      continue;
    }
    if (v === null) { row[fd.column] = null; continue; }
    const err = checkType(fd, v);
    if (err) { errors[fd.name] = err; continue; }
    if (fd.oneOf && !fd.oneOf.includes(String(v))) { errors[fd.name] = `expected one of: ${fd.oneOf.join(", ")}`; continue; }
    row[fd.column] = fd.type === "foreign" ? (v as { id: string }).id : v;
  }
  for (const fd of fields) {
    if (fd.required && (row[fd.column] === undefined || row[fd.column] === null) && errors[fd.name] === undefined) errors[fd.name] = "required field missing";
  }
  if (table === "plugins" && typeof row.name === "string") {
    if (!ctx.enabledPlugins.includes(row.name)) errors.name = `plugin '${row.name}' not enabled; add it to the 'plugins' configuration property`;
    else {
      // A PATCH merges into the stored config as this version reads it (defaults of its schema filled in).
      const prior = mode === "patch" && ctx.existing ? (configOnRead(ctx.version, row.name, ctx.existing.config) as Record<string, unknown>) : {};
      const merged = { ...prior, ...((input.config as Record<string, unknown> | undefined) ?? {}) };
      const cfg = pluginConfig(ctx.version, row.name, merged, row);
      if ("errors" in cfg) Object.assign(errors, cfg.errors);
      else row.config = cfg.config;
    }
  }
  entityChecks(table, row, errors, ctx.version);
  credentialChecks(ctx.version, table, row, input, errors);
  return Object.keys(errors).length > 0 ? { errors } : { row };
}
