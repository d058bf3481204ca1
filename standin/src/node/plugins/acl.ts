// acl (kong/plugins/acl/handler.lua, groups.lua): the authenticated consumer's groups, read through
// the node cache under `acls:<consumer_id>` (the key acls.lua invalidates on every ACL write), against
// the plugin's allow/deny list (whitelist/blacklist before 2.1). Blocked: 403 `You cannot consume this
// service`. From 2.1, no consumer (or a consumer without groups on an allow list) is 401 `Unauthorized`
// unless a credential was presented; before, always 403. Allowed: `X-Consumer-Groups` upstream.
// Groups from `kong.ctx.shared.authenticated_groups` (ldap-auth, oauth2) are not modelled.
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";
import { atLeastOneOf, onlyOneOf, type ConfigField } from "./config-schema.ts";
import type { NodeDeps, PluginHandler } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { errorExit } from "./response.ts";

export interface AclConfig {
  /** DENY: blocked when in a group; ALLOW: blocked unless in one. */
  readonly type: "ALLOW" | "DENY";
  readonly groups: readonly string[];
  readonly hide_groups_header: boolean;
}

const strings: Pick<ConfigField, "type" | "elements"> = { type: "array", elements: { type: "string" } };

export const ACL_FIELDS: readonly ConfigField[] = [
  { name: "whitelist", ...strings, until: "2.1.0" },
  { name: "blacklist", ...strings, until: "2.1.0" },
  { name: "allow", ...strings, since: "2.1.0" },
  { name: "deny", ...strings, since: "2.1.0" },
  { name: "hide_groups_header", type: "boolean", default: false, requiredSince: "2.3.0" },
];

/** The pair of list fields of a version: renamed in 2.1.0. */
export const aclLists = (version: string): readonly [allow: string, deny: string] => (atLeast(version, "2.1.0") ? ["allow", "deny"] : ["whitelist", "blacklist"]);

export const aclSchema: PluginSchema = {
  fields: ACL_FIELDS,
  // Deprecated forms accepted from 2.1 to 2.8 (removed in 3.0).
  shorthands: [{ name: "whitelist", to: "allow", since: "2.1.0", until: "3.0.0" }, { name: "blacklist", to: "deny", since: "2.1.0", until: "3.0.0" }],
  noConsumerSince: "0",
  check(config, version) {
    const [allow, deny] = aclLists(version);
    const entity = [onlyOneOf(config, [allow, deny], version), atLeastOneOf(config, [allow, deny])].filter((m): m is string => m !== undefined);
    return { entity };
  },
};

const FORBIDDEN = "You cannot consume this service";

/** groups.lua: the consumer's groups in the order the DAO pages them, cached per consumer. */
export async function consumerGroups(consumerId: string, node: NodeDeps): Promise<string[]> {
  const rows = await node.state.cache.get(node.state.key("acls", consumerId), async () =>
    (await node.ds.entities.page("acls", { size: 1000, where: { consumer_id: consumerId } })).rows);
  return (rows ?? []).map((r: Row) => String(r.group));
}

/**
 * The decision for a consumer's groups: 403 when blocked, else the X-Consumer-Groups value (""
 * when hidden or empty: an empty header is not sent).
 */
export function aclDecision(conf: AclConfig, groups: readonly string[]): { blocked: true } | { blocked: false; header: string } {
  const inGroup = conf.groups.some((g) => groups.includes(g));
  const blocked = conf.type === "DENY" ? inGroup : !inGroup;
  return blocked ? { blocked } : { blocked, header: conf.hide_groups_header ? "" : groups.join(", ") };
}

/** acl (PRIORITY 950). */
export const aclPlugin: PluginHandler<AclConfig> = {
  name: "acl",
  priority: () => 950,
  parse(c, version) {
    const [allow, deny] = aclLists(version);
    const denyList = Array.isArray(c[deny]) ? (c[deny] as string[]) : [];
    const type = denyList.length > 0 ? "DENY" : "ALLOW";
    return { type, groups: type === "DENY" ? denyList : Array.isArray(c[allow]) ? (c[allow] as string[]) : [], hide_groups_header: c.hide_groups_header === true };
  },
  async access(conf, ctx, node) {
    const v21 = atLeast(node.version, "2.1.0");
    const forbidden = errorExit(v21, 403, FORBIDDEN);
    const consumerId = ctx.consumer?.id ?? ctx.credential?.consumer_id;
    if (consumerId === undefined || consumerId === null) {
      if (!v21 || ctx.credential) return forbidden;
      return errorExit(true, 401);
    }
    const groups = await consumerGroups(String(consumerId), node);
    if (v21 && groups.length === 0 && conf.type === "ALLOW") return ctx.credential ? forbidden : errorExit(true, 401);
    const d = aclDecision(conf, groups);
    if (d.blocked) return forbidden;
    // ngx.req.set_header with "" removes the header (a client's own X-Consumer-Groups included).
    if (!conf.hide_groups_header) {
      if (d.header === "") delete ctx.upstreamHeaders["x-consumer-groups"];
      else ctx.upstreamHeaders["x-consumer-groups"] = d.header;
    }
    return undefined;
  },
};
