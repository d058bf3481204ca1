// Reads a Kong declarative configuration (`_format_version` 1.1, 2.1 or 3.0; YAML or JSON; nested
// the way Kong and deck write it, or flat with references by name or id, as `kong config
// db_export` writes it) into the flat, dependency-ordered KongConfig of model.ts, checked against
// what the old Kong version reads: the formats its declarative parser accepts and the fields its
// schemas declare (entity-fields.ts). Every problem becomes one line of a single
// InvalidConfigError, naming the file, the entity's place and what to do.
import { readFileSync } from "node:fs";
import { parseDocument, type ScalarTag } from "yaml";
import { InvalidConfigError } from "../errors.ts";
import { compareVersions, type KongVersion, parseVersion, v } from "../plan/version.ts";
import { entitySince, fieldReleases, fieldsOf } from "./entity-fields.ts";
import { type ConfigEntity, type EntityKind, entityLabel, type FormatVersion, type KongConfig } from "./model.ts";
import { kong3Path } from "./route-paths.ts";

type Json = Record<string, unknown>;
type ParentRole = "service" | "route" | "consumer" | "upstream" | "certificate";

/** Creation order: every kind after the kinds it can refer to. */
const ORDER: readonly EntityKind[] = [
  "ca_certificates", "certificates", "snis",
  "services", "routes",
  "consumers", "keyauth_credentials", "basicauth_credentials", "jwt_secrets", "hmacauth_credentials", "acls", "oauth2_credentials",
  "plugins",
  "upstreams", "targets",
];

const CREDENTIALS: readonly EntityKind[] = ["keyauth_credentials", "basicauth_credentials", "jwt_secrets", "hmacauth_credentials", "acls", "oauth2_credentials"];

/**
 * Each kind's reference fields: field -> the kind it names and the ConfigEntity parent it fills.
 * Kong's declarative schema nests a kind under every kind it references (the `routes` of a service,
 * the `services` of a certificate, by `client_certificate`), so this table also says what may nest.
 */
const REFERENCES: Readonly<Partial<Record<EntityKind, Readonly<Record<string, readonly [EntityKind, ParentRole]>>>>> = {
  snis: { certificate: ["certificates", "certificate"] },
  services: { client_certificate: ["certificates", "certificate"] },
  upstreams: { client_certificate: ["certificates", "certificate"] },
  routes: { service: ["services", "service"] },
  plugins: { service: ["services", "service"], route: ["routes", "route"], consumer: ["consumers", "consumer"] },
  targets: { upstream: ["upstreams", "upstream"] },
  ...Object.fromEntries(CREDENTIALS.map((k) => [k, { consumer: ["consumers", "consumer"] as const }])),
};

/** Top-level tables that hold a cluster's runtime state, not its configuration (db_export writes them): read past, and said so. */
const RUNTIME_TABLES: Readonly<Record<string, string>> = {
  parameters: "the old cluster's own parameters (cluster_id)",
  oauth2_tokens: "tokens the oauth2 plugin issued",
  oauth2_authorization_codes: "codes the oauth2 plugin issued",
  sessions: "sessions the session plugin opened",
  acme_storage: "the acme plugin's storage",
};

/** Top-level keys that are not entities: Kong's (`_format_version`, `_transform`, `_comment`, `_ignore`) and deck's (`_info`, `_workspace`). */
const META_KEYS = new Set(["_format_version", "_transform", "_comment", "_ignore", "_info", "_workspace"]);

/** Kong's declarative extras on every entity: kept out of the entity. */
const ENTITY_EXTRAS = new Set(["_comment", "_ignore"]);

/** Set by Kong itself: an entity created here gets its own. */
const SERVER_SET = new Set(["created_at", "updated_at"]);

const FORMATS: readonly FormatVersion[] = ["1.1", "2.1", "3.0"];

/** Kong reads YAML with lyaml (libyaml), which resolves yes/no/on/off (any case) as booleans, not y/n. */
const LYAML_BOOL: ScalarTag = {
  tag: "tag:yaml.org,2002:bool",
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (s: string) => /^(?:yes|on)$/i.test(s),
};

/** More lines than this and the rest are counted in one last line. */
const MAX_PROBLEM_LINES = 100;

const SINGULAR: Readonly<Record<EntityKind, string>> = {
  ca_certificates: "CA certificate", certificates: "certificate", snis: "SNI", services: "service", routes: "route", consumers: "consumer",
  keyauth_credentials: "key-auth credential", basicauth_credentials: "basic-auth credential", jwt_secrets: "JWT secret",
  hmacauth_credentials: "HMAC credential", acls: "ACL", oauth2_credentials: "OAuth2 credential", plugins: "plugin", upstreams: "upstream", targets: "target",
};

/** Reads `file` (synchronously) and parses it for Kong `oldVersion`. */
export function loadConfig(file: string, oldVersion: string): KongConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message.split("\n")[0];
    throw new InvalidConfigError([`${file}: cannot read it (${why}): give the path of a declarative configuration (what \`deck dump\` or \`kong config db_export\` writes)`]);
  }
  return parseConfig(text, file, oldVersion);
}

/** Parses the text of a declarative configuration; `file` names it in errors and in the result. */
export function parseConfig(text: string, file: string, oldVersion: string): KongConfig {
  const problems: string[] = [];
  const fail = (): never => {
    const shown = problems.slice(0, MAX_PROBLEM_LINES);
    if (problems.length > shown.length) shown.push(`${file}: ${problems.length - shown.length} more problems not shown: fix the ones above and run again`);
    throw new InvalidConfigError(shown);
  };

  const old = readVersion(oldVersion);
  if (!old) {
    problems.push(`${file}: the old version "${oldVersion}" is not a Kong version (MAJOR.MINOR.PATCH): give the old image's version`);
    return fail();
  }
  if (compareVersions(old, v("1.1.0")) < 0) {
    problems.push(`${file}: Kong ${oldVersion} has no declarative configuration (Kong 1.1.0 introduced it): run without --config, or qualify from 1.1.0 or later`);
    return fail();
  }

  const root = readDocument(text, file, problems);
  if (problems.length > 0) return fail();
  if (!isMapping(root)) {
    problems.push(`${file}: not a declarative configuration (a YAML or JSON mapping with _format_version and entity lists such as services): give what \`deck dump\` or \`kong config db_export\` writes`);
    return fail();
  }

  const format = readFormat(root, file, oldVersion, old, problems);
  const reader = new EntityReader(file, oldVersion, old, problems);
  const notes: string[] = [];

  if (root._transform === false) {
    notes.push(`${file}: _transform: false: basic-auth passwords are the old cluster's stored hashes; they are seeded as passwords, so here the hash, not the original password, opens each credential`);
  } else if (root._transform !== undefined && root._transform !== true) {
    problems.push(`${file}: _transform must be true or false, not ${JSON.stringify(root._transform)}: fix it or remove it`);
  }

  for (const [key, value] of Object.entries(root)) {
    if (META_KEYS.has(key)) continue;
    if (Object.hasOwn(RUNTIME_TABLES, key)) {
      if (Array.isArray(value) && value.length > 0) notes.push(`${file}: ${key}: ${value.length} rows of ${RUNTIME_TABLES[key]} are runtime state, not configuration: not seeded`);
      continue;
    }
    const kind = ORDER.find((k) => k === key);
    if (!kind) {
      problems.push(`${file}: ${key}: not an entity the harness seeds (it seeds ${ORDER.join(", ")}): remove the ${key} section and whatever refers to it`);
      continue;
    }
    if (compareVersions(old, v(entitySince(kind))) < 0) {
      problems.push(`${file}: ${key}: Kong ${oldVersion} has no ${key} (Kong ${entitySince(kind)} added them): remove them, or give the configuration your old cluster runs (deck dump of it)`);
      continue;
    }
    reader.collection(kind, value, key);
  }

  const entities = reader.resolve();
  if (problems.length > 0) return fail();

  // Kong 3.x reads an older format by converting it, after which it holds "3.0" (kong/db/declarative/migrations/init.lua).
  const readAs3 = format !== "3.0" && compareVersions(old, v("3.0.0")) >= 0;
  const converted = readAs3 ? convertPaths(entities, file, format, notes) : entities;
  const config: KongConfig = { file, format: readAs3 ? "3.0" : format, entities: order(converted) };
  return notes.length > 0 ? { ...config, notes } : config;
}

function readVersion(text: string): KongVersion | undefined {
  const exact = parseVersion(text);
  if (exact) return exact;
  const lead = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})/.exec(text.trim()); // e.g. an enterprise "3.4.3.2"
  return lead ? v(`${lead[1]}.${lead[2]}.${lead[3]}`) : undefined;
}

function isMapping(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readDocument(text: string, file: string, problems: string[]): unknown {
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      const message = (err as Error).message;
      const at = /position (\d+)/.exec(message);
      const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
      problems.push(`${file}: ${line ? `line ${line}: ` : ""}${message.replace(/ at position \d+.*$/, "")}: fix the JSON syntax`);
      return undefined;
    }
  }
  const doc = parseDocument(text, { customTags: [LYAML_BOOL], prettyErrors: true });
  for (const err of doc.errors) {
    const line = err.linePos?.[0].line;
    const message = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    problems.push(`${file}: ${line ? `line ${line}: ` : ""}${message}: fix the YAML syntax`);
  }
  if (doc.errors.length > 0) return undefined;
  return doc.toJS({ maxAliasCount: 10_000 }) as unknown;
}

function readFormat(root: Json, file: string, oldVersion: string, old: KongVersion, problems: string[]): FormatVersion {
  const kong3 = compareVersions(old, v("3.0.0")) >= 0;
  const native: FormatVersion = kong3 ? "3.0" : compareVersions(old, v("2.1.0")) >= 0 ? "2.1" : "1.1";
  const given = root._format_version;
  if (given === undefined) {
    problems.push(`${file}: no _format_version: add _format_version: "${native}" at the top (the format Kong ${oldVersion} writes)`);
    return native;
  }
  if (typeof given !== "string") {
    problems.push(`${file}: _format_version is ${JSON.stringify(given)}, not a string: quote it (_format_version: "${native}")`);
    return native;
  }
  const format = FORMATS.find((f) => f === given);
  if (!format) {
    problems.push(`${file}: _format_version "${given}" is not a Kong declarative format (1.1, 2.1 and 3.0 are): give what \`deck dump\` or \`kong config db_export\` of your old cluster writes`);
    return native;
  }
  if (format === "3.0" && !kong3) {
    problems.push(`${file}: _format_version "3.0" is Kong 3.x's format, but the old version is ${oldVersion}: give the configuration your old cluster runs (deck dump of it)`);
  } else if (format === "2.1" && compareVersions(old, v("2.1.0")) < 0) {
    problems.push(`${file}: _format_version "2.1" is Kong 2.1+'s format and Kong ${oldVersion} reads only "1.1": give the configuration your old cluster runs (deck dump of it)`);
  }
  return format;
}

/** An entity as read, before its references are resolved. */
interface Draft {
  readonly kind: EntityKind;
  readonly at: string;
  /** The raw entry, for its label and its name-like fields. */
  readonly raw: Json;
  readonly fields: Json;
  /** References given as values (flat form): field -> the value as written. */
  readonly refs: Record<string, unknown>;
  /** The entity this one is nested under, and by which reference field. */
  readonly nestedIn?: { readonly draft: Draft; readonly field: string };
  key: string;
}

class EntityReader {
  private readonly drafts: Draft[] = [];
  /** "<kind> <identity field> <value>" -> the first entity with it, for references. */
  private readonly identities = new Map<string, Draft>();

  constructor(
    private readonly file: string,
    private readonly oldVersion: string,
    private readonly old: KongVersion,
    private readonly problems: string[],
  ) {}

  collection(kind: EntityKind, value: unknown, at: string, nestedIn?: Draft["nestedIn"]): void {
    if (value === null || value === undefined) return;
    if (!Array.isArray(value)) {
      this.problems.push(`${this.file}: ${at}: expected a list of ${kind}, found ${describe(value)}: write it as a YAML list (- ...)`);
      return;
    }
    value.forEach((item: unknown, i) => this.entity(kind, item, `${at}[${i}]`, nestedIn));
  }

  private entity(kind: EntityKind, item: unknown, at: string, nestedIn?: Draft["nestedIn"]): void {
    // A certificate's SNIs may be written as names: Kong 3.8+ has a `snis` field of names, and every Admin API version takes them.
    if (kind === "snis" && typeof item === "string" && nestedIn?.draft.kind === "certificates") item = { name: item };
    if (!isMapping(item)) {
      this.problems.push(`${this.file}: ${at}: expected a mapping of ${SINGULAR[kind]} fields, found ${describe(item)}: fix the entry`);
      return;
    }
    const draft: Draft = { kind, at, raw: item, fields: {}, refs: {}, nestedIn, key: "" };
    this.drafts.push(draft);
    const label = entityLabel({ kind, at, key: "", fields: item });
    const known = fieldsOf(kind, this.old);
    for (const [field, value] of Object.entries(item)) {
      if (ENTITY_EXTRAS.has(field)) continue;
      const child = this.childKind(kind, field);
      if (child) {
        this.collection(child, value, `${at}.${field}`, { draft, field: this.referenceField(child, kind)! });
        continue;
      }
      if (!known.has(field)) {
        this.problems.push(this.unknownField(kind, field, label));
        continue;
      }
      if (REFERENCES[kind]?.[field]) {
        if (nestedIn?.field === field) {
          if (value !== null) this.problems.push(`${this.file}: ${label}: "${field}" must be left out of a ${SINGULAR[kind]} nested under its ${SINGULAR[nestedIn.draft.kind]}: remove it`);
        } else if (value !== null) {
          draft.refs[field] = value;
        }
        continue;
      }
      if (SERVER_SET.has(field) || value === null) continue;
      draft.fields[field] = value;
    }
  }

  /** The kind an entry's key names as nested children of `parent` in this version, if any. */
  private childKind(parent: EntityKind, key: string): EntityKind | undefined {
    const child = ORDER.find((k) => k === key);
    if (!child || !this.referenceField(child, parent)) return undefined;
    return fieldsOf(child, this.old).has(this.referenceField(child, parent)!) ? child : undefined;
  }

  private referenceField(child: EntityKind, parent: EntityKind): string | undefined {
    return Object.entries(REFERENCES[child] ?? {}).find(([, [kind]]) => kind === parent)?.[0];
  }

  private unknownField(kind: EntityKind, field: string, label: string): string {
    const releases = fieldReleases(kind, field);
    const head = `${this.file}: ${label}: unknown field "${field}" for Kong ${this.oldVersion} ${kind}`;
    if (releases) return `${head} (${releases}): remove it, or give the configuration your old cluster runs (deck dump of it)`;
    const children = ORDER.filter((child) => this.childKind(kind, child));
    const near = closest(field, [...fieldsOf(kind, this.old), ...children]);
    return `${head}: ${near ? `did you mean "${near}"? ` : ""}correct or remove it`;
  }

  /** Gives every entity its key, resolves references, and returns the entities in file order. */
  resolve(): ConfigEntity[] {
    this.assignKeys();
    const out: ConfigEntity[] = [];
    for (const d of this.drafts) {
      const parents: Partial<Record<ParentRole, string>> = {};
      if (d.nestedIn) parents[REFERENCES[d.kind]![d.nestedIn.field]![1]] = d.nestedIn.draft.key;
      for (const [field, value] of Object.entries(d.refs)) {
        const [kind, role] = REFERENCES[d.kind]![field]!;
        const target = this.find(kind, value);
        if (target) parents[role] = target.key;
        else this.problems.push(this.unresolved(d, field, kind, value));
      }
      out.push({ kind: d.kind, at: d.at, key: d.key, fields: d.fields, ...parents });
    }
    return out;
  }

  /** "<kind>/<name>" for named kinds, certificates by id, consumers by username or custom_id, else "<kind>/<at>"; duplicates are problems. */
  private assignKeys(): void {
    const taken = new Map<string, Draft>();
    const seen = this.identities;
    for (const d of this.drafts) {
      for (const field of identityFields(d.kind)) {
        const value = d.raw[field];
        if (typeof value !== "string" || value === "") continue;
        const first = seen.get(`${d.kind} ${field} ${value}`);
        if (first) this.problems.push(`${this.file}: ${label(d)}: a second ${SINGULAR[d.kind]} with ${field} "${value}" (the first is ${first.at}): ${field} must be unique; rename or remove one`);
        else seen.set(`${d.kind} ${field} ${value}`, d);
      }
      const named = keyName(d);
      const key = named !== undefined && !taken.has(`${d.kind}/${named}`) ? `${d.kind}/${named}` : `${d.kind}/${d.at}`;
      d.key = key;
      taken.set(key, d);
    }
  }

  private find(kind: EntityKind, value: unknown): Draft | undefined {
    const by = (field: string, wanted: unknown): Draft | undefined =>
      typeof wanted === "string" && wanted !== "" ? this.identities.get(`${kind} ${field} ${wanted}`) : undefined;
    if (typeof value === "string") return identityFields(kind).map((f) => by(f, value)).find(Boolean);
    if (isMapping(value)) return identityFields(kind).filter((f) => f in value).map((f) => by(f, value[f])).find(Boolean);
    return undefined;
  }

  private unresolved(d: Draft, field: string, kind: EntityKind, value: unknown): string {
    const ways = identityFields(kind).join(" or ");
    const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
    return `${this.file}: ${label(d)}: ${field} ${shown} names no ${SINGULAR[kind]} of the file: name one of the file's ${kind} by its ${ways}, or nest the ${SINGULAR[d.kind]} under it`;
  }
}

/** The fields that identify an entity of `kind` in a reference, in the order they are tried. */
function identityFields(kind: EntityKind): readonly string[] {
  switch (kind) {
    case "services": case "routes": case "upstreams": case "snis": return ["id", "name"];
    case "consumers": return ["id", "username", "custom_id"];
    default: return ["id"];
  }
}

function keyName(d: Draft): string | undefined {
  const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
  switch (d.kind) {
    case "services": case "routes": case "upstreams": case "snis": return str(d.raw.name);
    case "certificates": case "ca_certificates": return str(d.raw.id);
    case "consumers": return str(d.raw.username) ?? str(d.raw.custom_id);
    default: return undefined;
  }
}

const label = (d: Draft): string => entityLabel({ kind: d.kind, at: d.at, key: d.key, fields: d.raw });

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The known field nearest to a misspelt one (at most two edits), for "did you mean". */
function closest(field: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(field, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Kong 3.x reads the route paths of a "1.1" or "2.1" file converted (route-paths.ts); the seeder must create what Kong would hold. */
function convertPaths(entities: ConfigEntity[], file: string, format: FormatVersion, notes: string[]): ConfigEntity[] {
  return entities.map((e) => {
    if (e.kind !== "routes" || !Array.isArray(e.fields.paths)) return e;
    const paths = (e.fields.paths as unknown[]).map((p) => (typeof p === "string" ? kong3Path(p) : p));
    const changed = paths.filter((p, i) => p !== (e.fields.paths as unknown[])[i]);
    if (changed.length === 0) return e;
    notes.push(`${file}: ${entityLabel(e)}: paths of a "${format}" file read as Kong 3.x reads them: ${changed.map((p) => `"${String(p)}"`).join(", ")}`);
    return { ...e, fields: { ...e.fields, paths } };
  });
}

/** Dependency order; within a kind, the file's order. */
function order(entities: readonly ConfigEntity[]): ConfigEntity[] {
  return [...entities].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}
