// The body and headers of an answer a plugin ends a request with (kong/pdk/response.lua): `exit`
// with a table is compact JSON; `error` (2.1+) fills kong/tools/utils.lua's error template for the
// MIME type the client's Accept header asks for, with the status's default message when none.
import type { Exit, HeaderValue } from "./context.ts";

const JSON_TYPE = "application/json; charset=utf-8";

const MIME_TYPES: Readonly<Record<string, string>> = {
  "application/json": JSON_TYPE, "text/html": "text/html; charset=utf-8", "text/plain": "text/plain; charset=utf-8",
  "application/xml": "application/xml; charset=utf-8", application: JSON_TYPE, text: "text/plain; charset=utf-8", default: JSON_TYPE,
};

/** The templates, byte for byte (identical from 2.1.0 to 3.0.1). */
const TEMPLATES: Readonly<Record<string, (m: string) => string>> = {
  [JSON_TYPE]: (m) => `{\n  "message":"${m}"\n}`,
  "text/html; charset=utf-8": (m) => `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Kong Error</title>\n  </head>\n  <body>\n    <h1>Kong Error</h1>\n    <p>${m}.</p>\n  </body>\n</html>\n`,
  "text/plain; charset=utf-8": (m) => `${m}\n`,
  "application/xml; charset=utf-8": (m) => `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${m}</message>\n</error>\n`,
};

/** HTTP_MESSAGES of pdk/response.lua: kong.response.error's message when the plugin gives none. */
const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 411: "Length required",
  413: "Payload too large", 417: "Expectation failed", 429: "Too many requests", 500: "An unexpected error occurred",
  502: "An invalid response was received from the upstream server", 503: "The upstream server is currently unavailable",
  504: "The upstream server is timing out",
};

/** utils.get_mime_type: `type/*` and `*\/*` by their first part, an unknown type as the default (JSON). */
function mimeType(name: string): string {
  const base = name.trim().split(";")[0] ?? "";
  const [a, b] = base.split("/");
  if (b === undefined) return JSON_TYPE;
  if (b === "*") return (a === "*" ? MIME_TYPES.default : MIME_TYPES[a ?? ""]) ?? JSON_TYPE;
  return MIME_TYPES[base] ?? JSON_TYPE;
}

/** get_response_type: the Accept value with the highest quality (the first among equals), JSON by default. */
export function responseType(accept: string | undefined): string {
  if (accept === undefined) return JSON_TYPE;
  let type = JSON_TYPE;
  let best = 0;
  for (const value of accept.split(",")) {
    let name: string | undefined;
    let quality = 1;
    for (const entry of value.split(";")) {
      const m = /^\s*(\S+\/\S+)\s*$/.exec(entry);
      if (m) name = m[1];
      else {
        const q = /^\s*q=([0-9]*[.][0-9]+)\s*$/i.exec(entry);
        if (q) quality = Number(q[1]);
      }
    }
    if (quality > best) { type = name === undefined ? JSON_TYPE : mimeType(name); best = quality; }
  }
  return type;
}

export interface BuiltResponse { readonly headers: Record<string, HeaderValue>; readonly body: Buffer }

/**
 * The answer for an Exit. `errorField` is the field name of message bodies ("message"; the fault
 * switch error-body-changed makes it "error").
 */
export function buildExit(exit: Exit, accept: string | undefined, errorField: string): BuiltResponse {
  const headers: Record<string, HeaderValue> = { ...exit.headers };
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === "content-type");
  if (exit.form === "error") {
    const message = exit.message ?? DEFAULT_MESSAGES[exit.status] ?? `The upstream server responded with ${exit.status}`;
    if (errorField !== "message") return { headers: { ...headers, "Content-Type": JSON_TYPE }, body: Buffer.from(JSON.stringify({ [errorField]: message })) };
    const type = hasType ? String(headers[Object.keys(headers).find((k) => k.toLowerCase() === "content-type")!]) : responseType(accept);
    const template = TEMPLATES[type] ?? TEMPLATES[JSON_TYPE]!;
    return { headers: hasType ? headers : { ...headers, "Content-Type": type }, body: Buffer.from(template(message)) };
  }
  if (exit.message !== undefined) {
    return { headers: hasType ? headers : { "Content-Type": JSON_TYPE, ...headers }, body: Buffer.from(JSON.stringify({ [errorField]: exit.message })) };
  }
  if (exit.body === undefined) return { headers, body: Buffer.alloc(0) };
  if (Buffer.isBuffer(exit.body) || typeof exit.body === "string") return { headers, body: Buffer.from(exit.body) };
  return { headers: hasType ? headers : { "Content-Type": JSON_TYPE, ...headers }, body: Buffer.from(JSON.stringify(exit.body)) };
}

/** kong.response.error in 2.1+, kong.response.exit with `{ message = ... }` before. */
export function errorExit(version21: boolean, status: number, message?: string, headers?: Record<string, HeaderValue>): Exit {
  return version21
    ? { status, form: "error", ...(message !== undefined ? { message } : {}), ...(headers ? { headers } : {}) }
    : { status, form: "exit", message: message ?? DEFAULT_MESSAGES[status] ?? "", ...(headers ? { headers } : {}) };
}
