// ip-restriction (kong/plugins/ip-restriction/handler.lua): the client address (the connection's, as
// Kong's binary_remote_addr with no trusted_ips) against the deny list, then the allow list: 403
// `Your IP address is not allowed` (status and message configurable from 2.7). Up to 2.0 the lists
// are whitelist/blacklist of IPv4 CIDRs (lua-resty-iputils); from 2.1 allow/deny of IPv4/IPv6
// addresses or CIDRs (lua-resty-ipmatcher), with the old names as shorthands until 3.0.
import { isIP } from "node:net";
import { atLeast } from "../../catalogue/entities.ts";
import { atLeastOneOf, onlyOneOf, type ConfigField } from "./config-schema.ts";
import type { PluginHandler } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { errorExit } from "./response.ts";

export interface IpRestrictionConfig {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly status: number | null;
  readonly message: string | null;
}

/** lua-resty-iputils parse_cidr's refusal of an IPv4 address or CIDR (1.5/2.0's cidr_v4 typedef). */
export function cidrV4Error(v: string): string | undefined {
  const slash = v.indexOf("/");
  const net = slash < 0 ? v : v.slice(0, slash);
  const mask = slash < 0 ? "32" : v.slice(slash + 1);
  const m = Number(mask);
  if (mask.trim() === "" || !Number.isFinite(m) || m > 32 || m < 0) return `invalid cidr range: Invalid prefix: /${mask}`;
  const octets = net.split(".");
  if (octets.length !== 4) return "invalid cidr range: Invalid IP";
  const bad = octets.find((o) => { const n = Number(o); return o.trim() === "" || !Number.isFinite(n) || n < 0 || n > 255; });
  return bad === undefined ? undefined : `invalid cidr range: Invalid octet: ${bad}`;
}

/** utils.is_valid_ip_or_cidr (2.1+). */
export function ipOrCidrError(v: string): string | undefined {
  const slash = v.indexOf("/");
  const ip = slash < 0 ? v : v.slice(0, slash);
  const family = isIP(ip);
  let ok = family !== 0;
  if (ok && slash >= 0) {
    const mask = v.slice(slash + 1);
    ok = /^\d+$/.test(mask) && Number(mask) <= (family === 4 ? 32 : 128);
  }
  return ok ? undefined : `invalid ip or cidr range: '${v}'`;
}

export const IP_RESTRICTION_FIELDS: readonly ConfigField[] = [
  { name: "whitelist", type: "array", elements: { type: "string", check: (v) => cidrV4Error(String(v)) }, until: "2.1.0" },
  { name: "blacklist", type: "array", elements: { type: "string", check: (v) => cidrV4Error(String(v)) }, until: "2.1.0" },
  { name: "allow", type: "array", elements: { type: "string", check: (v) => ipOrCidrError(String(v)) }, since: "2.1.0" },
  { name: "deny", type: "array", elements: { type: "string", check: (v) => ipOrCidrError(String(v)) }, since: "2.1.0" },
  { name: "status", type: "number", since: "2.7.0" },
  { name: "message", type: "string", since: "2.7.0" },
];

export const ipRestrictionSchema: PluginSchema = {
  fields: IP_RESTRICTION_FIELDS,
  shorthands: [{ name: "whitelist", to: "allow", since: "2.1.0", until: "3.0.0" }, { name: "blacklist", to: "deny", since: "2.1.0", until: "3.0.0" }],
  check(config, version) {
    const pair = atLeast(version, "2.1.0") ? ["allow", "deny"] : ["whitelist", "blacklist"];
    // 2.1 dropped only_one_of: both lists may be set.
    const entity = [atLeast(version, "2.1.0") ? undefined : onlyOneOf(config, pair, version), atLeastOneOf(config, pair)].filter((m): m is string => m !== undefined);
    return { entity };
  },
};

/** An address as 16 bytes (IPv4 mapped into IPv6), or null. */
function toBytes(ip: string): Buffer | null {
  const family = isIP(ip);
  if (family === 4) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.split(".").map(Number)]);
  if (family !== 6) return null;
  const [head, tail] = ip.includes("::") ? ip.split("::") as [string, string] : [ip, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    return s.split(":").flatMap((g) => (g.includes(".") ? ((b) => [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!])(g.split(".").map(Number)) : [parseInt(g, 16)]));
  };
  const h = parse(head), t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Whether `addr` is in `entry` (an address or CIDR); IPv4 entries match only IPv4 addresses. */
export function inRange(addr: string, entry: string): boolean {
  const slash = entry.indexOf("/");
  const net = slash < 0 ? entry : entry.slice(0, slash);
  const a = toBytes(addr.replace(/^::ffff:(?=\d+\.)/i, "")), n = toBytes(net);
  if (!a || !n) return false;
  const v4 = isIP(net) === 4;
  if (v4 !== (isIP(addr.replace(/^::ffff:(?=\d+\.)/i, "")) === 4)) return false;
  const bits = (v4 ? 96 : 0) + (slash < 0 ? (v4 ? 32 : 128) : Number(entry.slice(slash + 1)));
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3, bit = 7 - (i & 7);
    if (((a[byte]! >> bit) & 1) !== ((n[byte]! >> bit) & 1)) return false;
  }
  return true;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** ip-restriction (PRIORITY 990). */
export const ipRestrictionPlugin: PluginHandler<IpRestrictionConfig> = {
  name: "ip-restriction",
  priority: () => 990,
  parse: (c, version) => (atLeast(version, "2.1.0")
    ? { allow: list(c.allow), deny: list(c.deny), status: typeof c.status === "number" ? c.status : null, message: typeof c.message === "string" ? c.message : null }
    : { allow: list(c.whitelist), deny: list(c.blacklist), status: null, message: null }),
  access(conf, ctx, node) {
    const addr = ctx.req.socket.remoteAddress;
    const v21 = atLeast(node.version, "2.1.0");
    if (!addr) return errorExit(v21, 403, "Cannot identify the client IP address, unix domain sockets are not supported.");
    const refuse = errorExit(v21, conf.status ?? 403, conf.message ?? "Your IP address is not allowed");
    if (conf.deny.some((e) => inRange(addr, e))) return refuse;
    if (conf.allow.length > 0 && !conf.allow.some((e) => inRange(addr, e))) return refuse;
    return undefined;
  },
};
