// Creates a user's declarative configuration on the old cluster through its Admin API, entity by
// entity in the configuration's dependency order, each with the file's own fields, ids and tags.
// The user's backends do not exist here, so every service is pointed at the harness's upstream,
// except a service whose host names an upstream of the file: that upstream's targets are pointed
// there instead. Entities Kong refuses are collected (the ones depending on them are not tried)
// and reported together, one line each, with Kong's own message.
import type { KongAdminClient } from "../kong/admin-client.ts";
import { InvalidConfigError } from "../errors.ts";
import { type ConfigEntity, type EntityKind, entityLabel, type KongConfig, ofKind } from "./model.ts";
import { configSecrets, redact } from "./secrets.ts";

/** Kong refused an entity of the user's configuration: the file must change, so it is an input error (exit 2). */
export class ConfigRefusedError extends InvalidConfigError {
  override name = "ConfigRefusedError";
  override readonly code: string = "KH_ERR_CONFIG_REFUSED";
}

/** A service or target of the file pointed elsewhere than the file says. */
export interface Repointed {
  readonly key: string;
  readonly at: string;
  /** What the file says, as a URL or host:port. */
  readonly from: string;
  /** Where it points now. */
  readonly to: string;
  /** Fields left out because they only make sense for the user's backend (TLS to it). */
  readonly dropped?: readonly string[];
}

export interface SeededConfig {
  /**
   * Entity key -> the id of what Kong holds for it. A target merged into the first target of its
   * upstream (they would all name the same address here) maps to that target's id.
   */
  readonly ids: Readonly<Record<string, string>>;
  readonly repointed: readonly Repointed[];
}

export interface SeedOptions {
  /** The old cluster's version, for error lines. */
  readonly version: string;
  /** Where services and targets point instead of the user's backends (plain HTTP). */
  readonly upstream: { readonly host: string; readonly port: number };
}

/** The Admin API path of each credential kind under /consumers/{id}/. */
const CREDENTIAL_ENDPOINTS: Readonly<Partial<Record<EntityKind, string>>> = {
  keyauth_credentials: "key-auth",
  basicauth_credentials: "basic-auth",
  jwt_secrets: "jwt",
  hmacauth_credentials: "hmac-auth",
  acls: "acls",
  oauth2_credentials: "oauth2",
};

/** Service fields Kong allows only with protocol https (services.lua entity_checks): they go with the re-pointing to plain HTTP. */
const TLS_ONLY_FIELDS = ["client_certificate", "tls_verify", "tls_verify_depth", "ca_certificates"];

/** Kong's default target weight (targets.lua). */
const DEFAULT_WEIGHT = 100;

type Body = Record<string, unknown>;

export async function seedConfig(admin: KongAdminClient, config: KongConfig, o: SeedOptions): Promise<SeededConfig> {
  const ids: Record<string, string> = {};
  const repointed: Repointed[] = [];
  const refused: string[] = [];
  const notCreated = new Set<string>();
  const secrets = configSecrets(config);
  const upstreamNames = new Set(ofKind(config, "upstreams").map((u) => u.fields.name).filter((n): n is string => typeof n === "string"));
  const targetOf = firstTargets(config);
  const idOf = (key: string): string => ids[key]!;

  for (const e of config.entities) {
    const parents = [e.service, e.route, e.consumer, e.upstream, e.certificate].filter((k): k is string => k !== undefined);
    if (parents.some((k) => notCreated.has(k))) { notCreated.add(e.key); continue; }

    const merged = e.kind === "targets" ? targetOf.get(e.key) : undefined;
    if (merged && merged !== e.key) {
      if (notCreated.has(merged)) { notCreated.add(e.key); continue; }
      ids[e.key] = idOf(merged);
      repointed.push({ key: e.key, at: e.at, from: String(e.fields.target), to: `merged into ${merged}` });
      continue;
    }

    const request = requestFor(e, idOf, o, upstreamNames, config);
    if (request.repointed) repointed.push(request.repointed);
    const res = await admin.write("POST", request.path, request.body);
    if (res.status >= 200 && res.status < 300 && typeof (res.body as Body | null)?.id === "string") {
      ids[e.key] = (res.body as Body).id as string;
      continue;
    }
    notCreated.add(e.key);
    refused.push(redact(`${config.file}: ${entityLabel(e)}: Kong ${o.version} refused it: ${res.status} ${kongMessage(res.body)}: fix the entity or the file and run again`, secrets));
  }

  if (refused.length > 0) throw new ConfigRefusedError(refused);
  return { ids, repointed };
}

interface Request { readonly path: string; readonly body: Body; readonly repointed?: Repointed }

function requestFor(e: ConfigEntity, idOf: (key: string) => string, o: SeedOptions, upstreamNames: ReadonlySet<string>, config: KongConfig): Request {
  const body: Body = { ...e.fields };
  switch (e.kind) {
    case "ca_certificates": return { path: "/ca_certificates", body };
    case "certificates": return { path: "/certificates", body };
    case "snis": return { path: "/snis", body: { ...body, certificate: { id: idOf(e.certificate!) } } };
    case "services": return { path: "/services", ...repointService(e, o.upstream, upstreamNames) };
    case "routes": return { path: e.service ? `/services/${idOf(e.service)}/routes` : "/routes", body };
    case "consumers": return { path: "/consumers", body };
    case "plugins": {
      if (e.service) body.service = { id: idOf(e.service) };
      if (e.route) body.route = { id: idOf(e.route) };
      if (e.consumer) body.consumer = { id: idOf(e.consumer) };
      return { path: "/plugins", body };
    }
    case "upstreams": {
      if (e.certificate) body.client_certificate = { id: idOf(e.certificate) };
      return { path: "/upstreams", body };
    }
    case "targets": {
      const to = `${o.upstream.host}:${o.upstream.port}`;
      const weights = ofKind(config, "targets").filter((t) => t.upstream === e.upstream).map((t) => (typeof t.fields.weight === "number" ? t.fields.weight : DEFAULT_WEIGHT));
      const weight = Math.max(...weights);
      return {
        path: `/upstreams/${idOf(e.upstream!)}/targets`,
        body: { ...body, target: to, weight },
        repointed: { key: e.key, at: e.at, from: String(e.fields.target), to },
      };
    }
    default: {
      const endpoint = CREDENTIAL_ENDPOINTS[e.kind]!;
      return { path: `/consumers/${idOf(e.consumer!)}/${endpoint}`, body };
    }
  }
}

/**
 * A service pointed at the harness's upstream over plain HTTP, keeping its path; one whose host is
 * an upstream of the file keeps that host (its targets are re-pointed) and its port.
 */
export function repointService(e: ConfigEntity, upstream: SeedOptions["upstream"], upstreamNames: ReadonlySet<string>): { body: Body; repointed: Repointed } {
  const body: Body = { ...e.fields };
  const given = typeof body.url === "string" ? parseUrl(body.url) : undefined;
  delete body.url;
  const protocol = given?.protocol ?? (typeof body.protocol === "string" ? body.protocol : "http");
  const host = given?.host ?? (typeof body.host === "string" ? body.host : "");
  const port = given?.port ?? (typeof body.port === "number" ? body.port : undefined);
  const path = given ? given.path : (typeof body.path === "string" ? body.path : undefined);
  const from = `${protocol}://${host}${port !== undefined ? `:${port}` : ""}${path ?? ""}`;

  const viaUpstream = upstreamNames.has(host);
  body.protocol = "http";
  body.host = viaUpstream ? host : upstream.host;
  body.port = viaUpstream ? (port ?? 80) : upstream.port;
  if (path !== undefined) body.path = path; else delete body.path;
  const dropped = TLS_ONLY_FIELDS.filter((f) => f in body || (f === "client_certificate" && e.certificate !== undefined));
  for (const f of dropped) delete body[f];

  const to = `http://${String(body.host)}:${String(body.port)}${path ?? ""}`;
  return { body, repointed: { key: e.key, at: e.at, from, to: viaUpstream ? `${to} (upstream ${host}: its targets are re-pointed)` : to, ...(dropped.length > 0 ? { dropped } : {}) } };
}

/** A service url split as Kong's `url` shorthand does (services.lua): scheme, host, port, path; the query is not kept. */
function parseUrl(url: string): { protocol: string; host: string; port?: number; path?: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?([^?#]*)/i.exec(url);
  if (!m) return undefined;
  return { protocol: m[1]!.toLowerCase(), host: m[2]!, ...(m[3] ? { port: Number(m[3]) } : {}), ...(m[4] ? { path: m[4] } : {}) };
}

/** Per target key: the key of its upstream's first target, which stands for all of them (they would all point at one address). */
function firstTargets(config: KongConfig): Map<string, string> {
  const first = new Map<string, string>();
  const out = new Map<string, string>();
  for (const t of ofKind(config, "targets")) {
    const upstream = t.upstream ?? t.key;
    if (!first.has(upstream)) first.set(upstream, t.key);
    out.set(t.key, first.get(upstream)!);
  }
  return out;
}

/** Kong's error body as one line: its message, plus any field errors the message does not already say. */
export function kongMessage(body: unknown): string {
  if (typeof body !== "object" || body === null) return String(body ?? "").replace(/\s+/g, " ").trim().slice(0, 300) || "(no body)";
  const b = body as Body;
  const message = typeof b.message === "string" ? b.message : JSON.stringify(b).slice(0, 300);
  const extra = flattenFields(b.fields).filter(([, m]) => !message.includes(m)).map(([path, m]) => `${path}: ${m}`);
  return extra.length > 0 ? `${message} (${extra.join("; ")})` : message;
}

function flattenFields(fields: unknown, prefix = ""): [string, string][] {
  if (typeof fields === "string") return [[prefix || "entity", fields]];
  if (Array.isArray(fields)) return fields.flatMap((f, i) => flattenFields(f, prefix ? `${prefix}[${i}]` : `[${i}]`));
  if (typeof fields === "object" && fields !== null) {
    return Object.entries(fields).flatMap(([k, v]) => flattenFields(v, prefix ? `${prefix}.${k}` : k));
  }
  return [];
}
