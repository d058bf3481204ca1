// The request a route's probes send: its first method (GET without methods), a host from its hosts
// (a wildcard filled in), the first value of each header it matches on, and a path: a prefix path
// plus a segment, or a string the route's regex matches. Of the candidates (each path, each host),
// the first one the router would give to this route and not to another.
import type { ProbeRequest, RouteShape } from "./route-matcher.ts";
import { routeFor } from "./route-matcher.ts";
import { matchesFromStart, sampleRegex } from "./regex-sample.ts";

export interface ChosenRequest {
  readonly request: ProbeRequest;
  /** What the generator could not do for this route, worded to follow "route <name>: ". */
  readonly problems: readonly string[];
}

/** A host name the pattern accepts: `*.shop.test` -> `probe.shop.test`, `shop.*` -> `shop.test`. */
export function sampleHost(pattern: string): string {
  if (pattern.startsWith("*.")) return `probe${pattern.slice(1)}`;
  if (pattern.endsWith(".*")) return `${pattern.slice(0, -2)}.test`;
  return pattern;
}

/** Printable ASCII only: what a probe can put in a request line without escaping. */
const PLAIN = /^[\x21-\x7e]*$/;

function regexPaths(regex: string, problems: string[]): string[] {
  const sample = sampleRegex(regex);
  if (sample === null) {
    problems.push(`path regex ${JSON.stringify(regex)} uses syntax the probe generator cannot sample`);
    return [];
  }
  const path = sample.startsWith("/") ? sample : `/${sample}`;
  const ok = matchesFromStart(regex, path);
  if (ok === false || !PLAIN.test(path)) {
    problems.push(`no printable path found that matches path regex ${JSON.stringify(regex)} (tried ${JSON.stringify(path)})`);
    return [];
  }
  if (ok === undefined) problems.push(`path regex ${JSON.stringify(regex)} is not readable by JavaScript: its sample ${path} is unchecked`);
  return [path];
}

function candidatePaths(shape: RouteShape, problems: string[]): string[] {
  if (!shape.paths) return ["/"];
  return shape.paths.flatMap((p) => {
    if (p.regex !== null) return regexPaths(p.regex, problems);
    return [p.value.endsWith("/") ? `${p.value}probe` : `${p.value}/probe`, p.value];
  });
}

function headerValue(value: string, problems: string[]): string {
  if (!value.startsWith("~*")) return value;
  const sample = sampleRegex(value.slice(2));
  if (sample === null) problems.push(`header regex ${JSON.stringify(value)} uses syntax the probe generator cannot sample`);
  return sample ?? value;
}

export function chooseRequest(shape: RouteShape, all: readonly RouteShape[]): ChosenRequest {
  const problems: string[] = [];
  const method = shape.methods?.[0] ?? "GET";
  const headers = Object.fromEntries((shape.headers ?? []).map(([k, vs]) => [k, headerValue(vs[0] ?? "", problems)]));
  const hosts = shape.hosts ? shape.hosts.map(sampleHost) : [undefined];
  const paths = candidatePaths(shape, problems);
  if (paths.length === 0) {
    problems.push("its probes use the path / and may not reach it");
    paths.push("/");
  }
  const candidates: ProbeRequest[] = paths.flatMap((path) => hosts.map((host) => ({ method, path, headers, ...(host !== undefined ? { host } : {}) })));
  if (shape.addressed) return { request: candidates[0]!, problems };
  const routed = candidates.find((c) => routeFor(all, c)?.key === shape.key);
  if (routed) return { request: routed, problems };
  const other = routeFor(all, candidates[0]!);
  problems.push(other ? `every request tried would be routed to ${other.key} instead` : "no request tried matches it");
  return { request: candidates[0]!, problems };
}
