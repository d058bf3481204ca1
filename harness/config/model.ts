// A Kong declarative configuration (`_format_version` 1.1, 2.1 or 3.0, as `deck dump` and
// `kong config db_export` write it), read into one flat list of entities in the order they can be
// created through an Admin API, each with the place in the file it came from (errors name it) and
// its parents by key. The parser (declarative.ts) builds it; the seeder, the probe generator and
// the secret collector read it.

export type FormatVersion = "1.1" | "2.1" | "3.0";

export type EntityKind =
  | "ca_certificates" | "certificates" | "snis"
  | "services" | "routes"
  | "consumers" | "keyauth_credentials" | "basicauth_credentials" | "jwt_secrets" | "hmacauth_credentials" | "acls" | "oauth2_credentials"
  | "plugins"
  | "upstreams" | "targets";

export interface ConfigEntity {
  readonly kind: EntityKind;
  /** Where it is in the file, as a path: "services[1].routes[0]", "consumers[2].keyauth_credentials[0]". */
  readonly at: string;
  /**
   * How other entities and reports refer to it: "<kind>/<name>" when it has a name (services,
   * routes, upstreams, certificates by id), "consumers/<username or custom_id>", else "<kind>/<at>".
   * Unique within a configuration.
   */
  readonly key: string;
  /** Its own fields as an Admin API takes them: nested children and parent references removed. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Parents, by key: a route's or plugin's service, a plugin's route or consumer, a credential's consumer, a target's upstream, an SNI's certificate. */
  readonly service?: string;
  readonly route?: string;
  readonly consumer?: string;
  readonly upstream?: string;
  readonly certificate?: string;
}

export interface KongConfig {
  /** The file as given on the command line (errors and the report name it). */
  readonly file: string;
  /** The format the entities are in: the file's, or "3.0" when the old version is 3.x, which converts a "1.1" or "2.1" file's route paths (declarative.ts). */
  readonly format: FormatVersion;
  /** Dependency order: every entity comes after the entities it refers to. */
  readonly entities: readonly ConfigEntity[];
  /** What the reader did that a user should know, one line each (runtime tables not seeded, route paths read as Kong 3.x reads them). */
  readonly notes?: readonly string[];
}

/** "routes[3] (orders-list)": how an error or a report line names an entity of the file. */
export function entityLabel(e: ConfigEntity): string {
  const name = e.fields.name ?? e.fields.username ?? e.fields.custom_id ?? e.fields.key_name;
  return typeof name === "string" && name !== "" ? `${e.at} (${name})` : e.at;
}

export const ofKind = (config: KongConfig, kind: EntityKind): ConfigEntity[] => config.entities.filter((e) => e.kind === kind);
