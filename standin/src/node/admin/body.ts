// Admin API request bodies: JSON, or form-encoded (`a=1&config.minute=5&hosts[]=x`) with Kong's
// coercions (numbers, booleans, repeated keys as arrays, dotted keys as records).
import type { IncomingMessage } from "node:http";

export type Parsed = { readonly body: Record<string, unknown> } | { readonly error: string };

function coerce(v: string): unknown {
  if (v === "true") return true;
  if (v === "false") return false;
  if (v !== "" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, rawVal] of new URLSearchParams(text)) {
    const isArray = rawKey.endsWith("[]");
    const path = (isArray ? rawKey.slice(0, -2) : rawKey).split(".");
    let node = out;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    const leaf = path[path.length - 1]!;
    const value = coerce(rawVal);
    const prev = node[leaf];
    node[leaf] = isArray ? [...(Array.isArray(prev) ? prev : []), rawVal] : prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), rawVal];
  }
  return out;
}

export async function parseBody(req: IncomingMessage): Promise<Parsed> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { body: {} };
  const type = String(req.headers["content-type"] ?? "");
  if (type.includes("application/x-www-form-urlencoded")) return { body: parseForm(text) };
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? { body: v as Record<string, unknown> } : { error: "Cannot parse JSON body" };
  } catch {
    return { error: "Cannot parse JSON body" };
  }
}
