// Unit-test requests for the plugins: real node:http request and response objects on an
// unconnected socket, wrapped in the PluginRequest the proxy builds.
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { Faults, parseFaults } from "../../faults.ts";
import { HeaderMap, PluginRequest, type NodeDeps, type ResponseParts } from "./context.ts";

export interface RequestSpec {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string | string[]>;
  /** The client address (an unconnected socket has none). */
  readonly remote?: string;
  readonly body?: string;
}

export function pluginRequest(spec: RequestSpec = {}): PluginRequest {
  const socket = new Socket();
  if (spec.remote) Object.defineProperty(socket, "remoteAddress", { value: spec.remote });
  const req = new IncomingMessage(socket);
  req.method = spec.method ?? "GET";
  req.url = spec.url ?? "/";
  req.httpVersion = "1.1";
  req.headers = { ...spec.headers };
  if (spec.body !== undefined) req.push(spec.body);
  req.push(null);
  const url = req.url;
  const q = url.indexOf("?");
  const upstream: Record<string, string | string[]> = { ...spec.headers };
  return new PluginRequest(req, new ServerResponse(req), q < 0 ? url : url.slice(0, q), q < 0 ? null : new URLSearchParams(url.slice(q + 1)),
    q < 0 ? url : url.slice(0, q), upstream, { id: "route-1" }, { id: "service-1" });
}

export function response(status: number, headers: Record<string, string | string[]>, generated = false): ResponseParts {
  return { status, headers: HeaderMap.from(headers), generated };
}

/**
 * The node parts for plugins that use only the version and fault switches: the datastore, state and
 * migration watch are out of reach here (the integration tests run plugins that need them).
 */
export function nodeOf(version: string, faults = ""): NodeDeps {
  const unavailable = (what: string): never => new Proxy({}, { get: () => { throw new Error(`${what} is not available in a unit test`); } }) as never;
  return { version, faults: new Faults(parseFaults(faults), "node"), state: unavailable("state"), ds: unavailable("ds"), migrations: unavailable("migrations") };
}
