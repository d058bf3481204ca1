// An answer as a flat list of named fields, and what differs between two of them: the vocabulary
// response-parity and the readiness gate's messages share. Field names:
//   status; response header <name>; body <json path> (Kong's own answers; "body" when not JSON);
//   upstream method / path / query / header <name> (what the upstream received).
// content-length and transfer-encoding are left out: they follow the body, which is compared itself.
import type { ParityAnswer } from "./records.ts";
import type { ChangeKind } from "./parity-differences.ts";
import { alikeInForm, timeDependent } from "./parity-time-dependent.ts";

const DERIVED_HEADERS = new Set(["content-length", "transfer-encoding"]);
/** Longest body text kept as one field. */
const TEXT_LIMIT = 500;

function flatten(prefix: string, value: unknown, out: Map<string, string>): void {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((x, i) => [String(i), x] as const) : Object.entries(value);
    if (entries.length === 0) out.set(prefix, JSON.stringify(value));
    for (const [k, x] of entries) flatten(`${prefix}.${k}`, x, out);
    return;
  }
  out.set(prefix, typeof value === "string" ? value : JSON.stringify(value));
}

/** Every field of one answer (a no-answer has only its status, "none"). */
export function answerFields(a: Pick<ParityAnswer, "status" | "headers" | "body" | "upstream">): Map<string, string> {
  const out = new Map<string, string>();
  out.set("status", a.status === null ? "none" : String(a.status));
  for (const [k, x] of Object.entries(a.headers)) if (!DERIVED_HEADERS.has(k)) out.set(`response header ${k}`, x);
  if (a.upstream) {
    out.set("upstream method", a.upstream.method);
    out.set("upstream path", a.upstream.path);
    out.set("upstream query", a.upstream.query);
    for (const [k, x] of Object.entries(a.upstream.headers)) out.set(`upstream header ${k}`, x);
  } else if (typeof a.body === "string") {
    out.set("body", a.body.slice(0, TEXT_LIMIT));
  } else if (a.body !== undefined) {
    const fields = new Map<string, string>();
    flatten("body", a.body, fields);
    // "body.message" reads as "body message" in a diagnosis.
    for (const [k, x] of fields) out.set(k.replace(/^body\./, "body "), x);
  }
  return out;
}

export interface FieldDifference {
  readonly field: string;
  readonly change: ChangeKind;
  /** undefined: the field is missing on that side. */
  readonly old?: string;
  readonly new?: string;
}

/** Fields not worth comparing (noise): presence varies, or only values vary. */
export interface FieldNoise { readonly presence: ReadonlySet<string>; readonly value: ReadonlySet<string> }

export const NO_NOISE: FieldNoise = { presence: new Set(), value: new Set() };

/**
 * Hop-by-hop headers (RFC 9110 7.6.1) describe the connection, not the answer: nginx, in every Kong
 * version, says `Connection: close` on the answer that reaches a connection's `keepalive_requests`.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"].map((h) => `response header ${h}`));

/**
 * What differs from `a` to `b`, field by field, leaving out noise and the moving values of
 * time-dependent headers (parity-time-dependent.ts). A different status, or an answer
 * that came from the upstream on one side only, is the one difference reported: every other field
 * follows from it.
 */
export function differences(a: Map<string, string>, b: Map<string, string>, noise: FieldNoise = NO_NOISE): FieldDifference[] {
  const diff = (field: string): FieldDifference | undefined => {
    const x = a.get(field), y = b.get(field);
    if (x === y || noise.presence.has(field) || HOP_BY_HOP.has(field)) return undefined;
    if (x === undefined) return { field, change: "added", new: y! };
    if (y === undefined) return { field, change: "removed", old: x };
    if (noise.value.has(field)) return undefined;
    // A clock, a duration or a rate-limit countdown: compared by presence (above) and form only.
    const moving = timeDependent(field);
    return moving && alikeInForm(moving, x, y) ? undefined : { field, change: "changed", old: x, new: y };
  };
  for (const decisive of ["status", "response header x-echo"]) {
    const d = diff(decisive);
    if (d) return [d];
  }
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  return fields.flatMap((f) => diff(f) ?? []);
}

/** Noise seen between two answers that should be alike: which fields' presence, and which values, differ. */
export function noiseBetween(a: Map<string, string>, b: Map<string, string>, into: { presence: Set<string>; value: Set<string> }): void {
  for (const f of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(f), y = b.get(f);
    if (x === y) continue;
    if (x === undefined || y === undefined) into.presence.add(f);
    else into.value.add(f);
  }
}

/** `"alice"`, `404` (a status), or `missing`. */
export function showValue(field: string, value: string | undefined): string {
  if (value === undefined) return "missing";
  return field === "status" ? value : JSON.stringify(value);
}

/** Why a difference matters, in words, where the field alone does not say it. */
export function explain(d: FieldDifference, newStatus: string | undefined): string {
  if (d.field === "response header x-echo" && d.change === "removed") return `: the answer did not come from the upstream (status ${newStatus ?? "none"})`;
  if (d.field === "response header x-echo" && d.change === "added") return `: the answer came from the upstream where the old one was Kong's own (status ${newStatus ?? "none"})`;
  return "";
}
