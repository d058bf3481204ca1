// The fields each Kong release knows for the entities a declarative configuration holds, so that a
// file naming a field the old version does not know is refused before anything starts. Taken from
// Kong's schemas at every release tag 1.1.0 ... 3.9.3: `fields` and `shorthand_fields` (`shorthands`
// before 2.0) of kong/db/schema/entities/<entity>.lua and, for credentials,
// kong/plugins/{key-auth,basic-auth,jwt,hmac-auth,acl,oauth2}/daos.lua. Routes in 3.x have a second
// schema for the `expressions` router flavor; the fields here are the default (traditional) router's.
// Each entry lists the fields a release added (patch releases added none); REMOVED_FIELDS the ones a
// release dropped.
import type { EntityKind } from "./model.ts";
import { compareVersions, type KongVersion, v } from "../plan/version.ts";

type History = Readonly<Record<string, string>>;

/** Per entity: release -> the fields it added (space-separated). The first entry is the release that has the entity. */
const ADDED: Readonly<Record<EntityKind, History>> = {
  ca_certificates: {
    "1.3.0": "id created_at cert tags",
    "2.1.0": "cert_digest",
    "3.3.0": "updated_at",
  },
  certificates: {
    "1.1.0": "id created_at cert key tags",
    "2.3.0": "cert_alt key_alt",
    "3.3.0": "updated_at",
    "3.8.0": "snis",
  },
  snis: {
    "1.1.0": "id name created_at tags certificate",
    "3.3.0": "updated_at",
  },
  services: {
    "1.1.0": "id created_at updated_at name retries protocol host port path connect_timeout write_timeout read_timeout tags url",
    "1.3.0": "client_certificate",
    "2.1.0": "tls_verify tls_verify_depth ca_certificates",
    "2.7.0": "enabled",
  },
  routes: {
    "1.1.0": "id created_at updated_at name protocols methods hosts paths regex_priority strip_path preserve_host snis sources destinations tags service",
    "1.2.0": "https_redirect_status_code",
    "1.3.0": "headers",
    "1.5.0": "path_handling",
    "2.2.0": "request_buffering response_buffering",
  },
  consumers: {
    "1.1.0": "id created_at username custom_id tags",
    "3.3.0": "updated_at",
  },
  keyauth_credentials: {
    "1.1.0": "id created_at consumer key",
    "1.4.0": "tags",
    // Not a schema field: the declarative reader keeps a ttl-enabled entity's `ttl` from 3.5.0
    // (kong/db/schema/others/declarative_config.lua, "schema.ttl and entry.ttl").
    "3.5.0": "ttl",
  },
  basicauth_credentials: {
    "1.1.0": "id created_at consumer username password",
    "1.4.0": "tags",
  },
  jwt_secrets: {
    "1.1.0": "id created_at consumer key secret rsa_public_key algorithm",
    "1.4.0": "tags",
  },
  hmacauth_credentials: {
    "1.1.0": "id created_at consumer username secret",
    "1.4.0": "tags",
  },
  acls: {
    "1.1.0": "id created_at consumer group",
    "1.4.0": "tags",
  },
  oauth2_credentials: {
    "1.1.0": "id created_at consumer name client_id client_secret redirect_uris",
    "1.4.0": "tags",
    "2.1.0": "hash_secret client_type",
  },
  plugins: {
    "1.1.0": "id name created_at route service consumer config run_on protocols enabled tags",
    "3.2.0": "instance_name",
    "3.3.0": "updated_at",
  },
  upstreams: {
    "1.1.0": "id created_at name hash_on hash_fallback hash_on_header hash_fallback_header hash_on_cookie hash_on_cookie_path slots healthchecks tags",
    "1.3.0": "algorithm",
    "1.4.0": "host_header",
    "2.1.0": "client_certificate",
    "3.0.0": "hash_on_query_arg hash_fallback_query_arg hash_on_uri_capture hash_fallback_uri_capture",
    "3.1.0": "use_srv_name",
    "3.3.0": "updated_at",
  },
  targets: {
    "1.1.0": "id created_at upstream target weight tags",
    "3.3.0": "updated_at",
  },
};

/** Per entity: release -> the fields it dropped. */
const REMOVED: Readonly<Partial<Record<EntityKind, History>>> = {
  plugins: { "2.0.0": "run_on" },
};

/** The newest release the lists were taken from; later releases are read as this one. */
export const FIELDS_CHECKED_THROUGH = "3.9.3";

const words = (s: string): string[] => s.split(" ");

/** The release that first has `kind`, e.g. "1.3.0" for ca_certificates. */
export function entitySince(kind: EntityKind): string {
  return Object.keys(ADDED[kind])[0]!;
}

/** The fields Kong `version` knows for `kind` (empty when that version has no such entity). */
export function fieldsOf(kind: EntityKind, version: KongVersion): ReadonlySet<string> {
  const known = new Set<string>();
  for (const [release, added] of Object.entries(ADDED[kind])) {
    if (compareVersions(version, v(release)) >= 0) for (const f of words(added)) known.add(f);
  }
  for (const [release, removed] of Object.entries(REMOVED[kind] ?? {})) {
    if (compareVersions(version, v(release)) >= 0) for (const f of words(removed)) known.delete(f);
  }
  return known;
}

/** Which Kong releases know `field` on `kind`, for an error's advice ("Kong 2.2.0+ has it"), or undefined when none does. */
export function fieldReleases(kind: EntityKind, field: string): string | undefined {
  const added = Object.entries(ADDED[kind]).find(([, fs]) => words(fs).includes(field))?.[0];
  if (!added) return undefined;
  const removed = Object.entries(REMOVED[kind] ?? {}).find(([, fs]) => words(fs).includes(field))?.[0];
  if (!removed) return `Kong ${added}+ has it`;
  return added === entitySince(kind) ? `Kong before ${removed} had it` : `Kong ${added} to releases before ${removed} had it`;
}
