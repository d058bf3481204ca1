// Small pieces of generated probes: a route's probe name, a preflight's Origin, an oversized body,
// and the generator's notes (one line per distinct remark, naming the routes it concerns).
import type { ConfigEntity } from "./model.ts";
import { matchesFromStart, sampleRegex } from "./regex-sample.ts";

const FALLBACK_ORIGIN = "https://example.test";

/**
 * The route's name, or for a route without one the tail of its key ("services[1].routes[0]" ->
 * "services1.routes0"), in characters that fit a query string and a header unescaped.
 */
export function probeBaseName(route: ConfigEntity): string {
  const named = typeof route.fields.name === "string" && route.fields.name !== "" ? route.fields.name : route.key.slice(route.key.indexOf("/") + 1);
  return named.replace(/\[(\d+)\]/g, "$1").replace(/[^A-Za-z0-9._~-]+/g, "-").replace(/^-+|-+$/g, "") || "route";
}

/**
 * The Origin a preflight sends: the first of cors' `origins` when it is a plain origin, a string
 * its regex matches when it is one, else a made-up origin (cors answers a preflight 200 whatever
 * the origin; only its Access-Control-Allow-Origin differs).
 */
export function preflightOrigin(config: Readonly<Record<string, unknown>>): { origin: string; problem?: string } {
  const first = Array.isArray(config.origins) ? config.origins.map(String)[0] : undefined;
  if (first === undefined || first === "*") return { origin: FALLBACK_ORIGIN };
  if (/^[A-Za-z0-9.:/-]+$/.test(first)) return { origin: first };
  const sample = sampleRegex(first);
  if (sample !== null && matchesFromStart(first, sample) === true && /^[\x21-\x7e]+$/.test(sample)) return { origin: sample };
  return { origin: FALLBACK_ORIGIN, problem: `cors origin ${JSON.stringify(first)} could not be sampled: its preflight sends Origin ${FALLBACK_ORIGIN}` };
}

/** A JSON body of exactly `bytes` bytes (shorter than the JSON frame: filler only). */
export function tooLargeBody(bytes: number): string {
  const frame = '{"pad":""}';
  return bytes <= frame.length ? "x".repeat(bytes) : `{"pad":"${"x".repeat(bytes - frame.length)}"}`;
}

/** Remarks, each once, with the routes it was made for. */
export class Notes {
  private readonly byText = new Map<string, string[]>();

  add(text: string, route?: string): void {
    const routes = this.byText.get(text) ?? [];
    if (route !== undefined && !routes.includes(route)) routes.push(route);
    this.byText.set(text, routes);
  }

  list(): string[] {
    return [...this.byText].map(([text, routes]) => (routes.length === 0 ? text : `${text}: ${routes.length === 1 ? "route" : "routes"} ${routes.join(", ")}`));
  }
}
