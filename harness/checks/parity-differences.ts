// Differences between old and new answers that Kong's own code makes on purpose, by version: the
// one list response-parity accepts, each with its reason and where Kong's source says so. Anything
// else that differs between an old and a new node (and not between the two old nodes) fails.
// Header names are compared lower-case: HTTP header names are case-insensitive, so 1.x's
// `X-RateLimit-Limit-second` and 2.x's `X-RateLimit-Limit-Second` are the same header.
import { atLeast, compareVersions, parseVersion, v } from "../plan/version.ts";

/** How a field differs between the old answer and the new one. */
export type ChangeKind = "added" | "removed" | "changed";

export interface DocumentedDifference {
  /** The field, as response-parity names it ("response header via", "upstream header x-credential-identifier"). */
  readonly field: RegExp;
  /** added: absent on old, present on new; removed: the reverse; changed: present on both, another value; version-string: the values differ only by the Kong version they name. */
  readonly change: ChangeKind | "version-string";
  /** The first version that makes the difference: applies when old < since <= new. Absent: any two versions. */
  readonly since?: string;
  /** Applies only when the old version is at least this (a field that changed after it was added). */
  readonly oldFrom?: string;
  readonly reason: string;
}

export const DOCUMENTED_DIFFERENCES: readonly DocumentedDifference[] = [
  {
    field: /^response header (server|via)$/, change: "version-string",
    reason: "Kong names itself and its version in Server (its own answers) and Via (proxied answers): `kong/<version>` (kong/meta.lua _SERVER_TOKENS; runloop/handler.lua header_filter; pdk/response.lua)",
  },
  {
    field: /^response header (ratelimit-limit|ratelimit-remaining|ratelimit-reset|retry-after)$/, change: "added", since: "2.0.0",
    reason: "rate-limiting sends the IETF draft RateLimit-Limit/-Remaining/-Reset headers, and Retry-After on its 429, from 2.0.0 (plugins/rate-limiting/handler.lua @2.0.0: RATELIMIT_RESET, RETRY_AFTER)",
  },
  {
    field: /^upstream header x-credential-identifier$/, change: "added", since: "2.1.0",
    reason: "key-auth sends the credential's id upstream as X-Credential-Identifier from 2.1.0 (plugins/key-auth/handler.lua set_consumer; constants.lua HEADERS.CREDENTIAL_IDENTIFIER)",
  },
  {
    field: /^upstream header x-forwarded-prefix$/, change: "added", since: "2.1.0",
    reason: "the proxy sends X-Forwarded-Prefix upstream from 2.1.0 (runloop/handler.lua access phase, upstream_x_forwarded_prefix)",
  },
  {
    field: /^upstream header x-forwarded-prefix$/, change: "changed", since: "2.1.3", oldFrom: "2.1.0",
    reason: "2.1.0-2.1.2 send the request path as X-Forwarded-Prefix; from 2.1.3 it is the prefix the route stripped (runloop/handler.lua access phase)",
  },
  {
    field: /^upstream header x-forwarded-path$/, change: "added", since: "2.2.0",
    reason: "the proxy sends X-Forwarded-Path (the request path) upstream from 2.2.0 (runloop/handler.lua access phase, forwarded_path)",
  },
];

export interface VersionPair { readonly old?: string | undefined; readonly new?: string | undefined }

/** Whether `d` applies between these versions (unknown versions: only entries without bounds). */
export function applies(d: DocumentedDifference, versions: VersionPair): boolean {
  const o = versions.old !== undefined ? parseVersion(versions.old) : undefined;
  const n = versions.new !== undefined ? parseVersion(versions.new) : undefined;
  if (d.since === undefined && d.oldFrom === undefined) return o === undefined || n === undefined || compareVersions(o, n) !== 0;
  if (o === undefined || n === undefined) return false;
  if (d.oldFrom !== undefined && !atLeast(o, d.oldFrom)) return false;
  return d.since === undefined || (compareVersions(o, v(d.since)) < 0 && atLeast(n, d.since));
}

/** The documented difference that explains this field's change, if any. */
export function documentedFor(field: string, change: ChangeKind, oldValue: string | undefined, newValue: string | undefined, versions: VersionPair): DocumentedDifference | undefined {
  return DOCUMENTED_DIFFERENCES.find((d) => {
    if (!d.field.test(field) || !applies(d, versions)) return false;
    if (d.change !== "version-string") return d.change === change;
    if (change !== "changed" || versions.old === undefined || versions.new === undefined || oldValue === undefined) return false;
    return oldValue.split(versions.old).join(versions.new) === newValue;
  });
}

/** "2.1.0" -> "from 2.1.0"; for the report. */
export const describeDocumented = (d: DocumentedDifference): string =>
  `${d.field.source.replace(/^\^|\$$/g, "")} ${d.change}${d.since ? ` (from ${d.since})` : ""}: ${d.reason}`;
