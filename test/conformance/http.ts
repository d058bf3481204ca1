// One HTTP exchange with a node, kept whole: status, every header, the body parsed when it is JSON.
import { request } from "undici";
import { CLIENT_HEADERS } from "./script.ts";

export interface Exchange {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, else the text ("" for an empty body). */
  readonly body: unknown;
}

export interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

const TIMEOUT_MS = 30_000;

export async function exchange(baseUrl: string, spec: RequestSpec): Promise<Exchange> {
  const res = await request(`${baseUrl}${spec.path}`, {
    method: spec.method as "GET", headers: { ...CLIENT_HEADERS, ...spec.headers }, body: spec.body,
    headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
  });
  const text = await res.body.text();
  let body: unknown = text;
  if (text !== "") {
    try { body = JSON.parse(text); } catch { /* not JSON: kept as text */ }
  }
  return { status: res.statusCode, headers: res.headers, body };
}

/** A request body as the recorder sent it: JSON unless the recording holds raw text (e.g. malformed JSON). */
export function jsonRequest(body: unknown): { body: string; headers: Record<string, string> } {
  return { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } };
}
