// What a plugin sees of one proxied request, the stand-in's reduction of Kong's PDK: the request as
// the client sent it (kong.request), what will be sent upstream (kong.service.request), response
// headers set before the response exists (kong.response.set_header in access), the authenticated
// consumer and credential (kong.client), kong.ctx.shared and kong.ctx.plugin.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Datastore, Row } from "../../db/types.ts";
import type { Faults } from "../../faults.ts";
import type { MigrationWatch } from "../migration-watch.ts";
import type { NodeState } from "../state.ts";

export type HeaderValue = string | string[];

/** Response headers by case-insensitive name, keeping the case each was last set with. */
export class HeaderMap {
  private readonly m = new Map<string, { name: string; value: HeaderValue }>();

  static from(obj: Readonly<Record<string, HeaderValue | undefined>>): HeaderMap {
    const h = new HeaderMap();
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) h.set(k, v);
    return h;
  }

  get(name: string): HeaderValue | undefined { return this.m.get(name.toLowerCase())?.value; }
  /** The first value of a header (nginx's `sent_http_*` gives the first line of several). */
  first(name: string): string | undefined { const v = this.get(name); return Array.isArray(v) ? v[0] : v; }
  has(name: string): boolean { return this.m.has(name.toLowerCase()); }
  set(name: string, value: HeaderValue): void { this.m.set(name.toLowerCase(), { name, value }); }
  /** kong.response.add_header: one more line of the header. */
  add(name: string, value: string): void {
    const prior = this.get(name);
    this.m.set(name.toLowerCase(), { name, value: prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value] });
  }
  delete(name: string): void { this.m.delete(name.toLowerCase()); }
  names(): string[] { return [...this.m.values()].map((e) => e.name); }
  toObject(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = {};
    for (const { name, value } of this.m.values()) out[name] = value;
    return out;
  }
}

/** The node's parts a plugin may use. */
export interface NodeDeps {
  readonly version: string;
  readonly state: NodeState;
  readonly ds: Datastore;
  readonly faults: Faults;
  readonly migrations: MigrationWatch;
}

/** A response a plugin ends the request with (kong.response.exit / kong.response.error). */
export interface Exit {
  readonly status: number;
  /** kong.response.error's message (its body follows the client's Accept header); absent with `body`. */
  readonly message?: string;
  /** kong.response.exit's body: a table (JSON), raw bytes, or none. */
  readonly body?: Record<string, unknown> | Buffer | string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  /** `kong.response.error` (2.1+ plugins), else `kong.response.exit` with a `{message}` table. */
  readonly form?: "error" | "exit";
  /** The answer stands for the upstream's (proxy-cache hit: ngx.ctx.KONG_PROXIED). */
  readonly proxied?: boolean;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The request path, without its query string. */
  readonly path: string;
  /** The query sent upstream, null for none (key-auth's hide_credentials deletes from it). */
  query: URLSearchParams | null;
  /** A query string a plugin set (kong.service.request.set_query), sent as is instead of `query`. */
  queryString: string | undefined;
  /** The path sent upstream (after the route's strip_path; kong.service.request.set_path). */
  upstreamPath: string;
  /** kong.service.request.set_method. */
  upstreamMethod: string;
  /** Request headers sent upstream, by lower-case name. */
  readonly upstreamHeaders: Record<string, HeaderValue>;
  /** The request body when a plugin read or replaced it (sent instead of streaming the client's). */
  body: Buffer | undefined;
  readonly route: Row;
  readonly service: Row;
  consumer: Row | null;
  credential: Row | null;
  /** Response headers set during access, applied to whatever response goes out. */
  readonly responseHeaders: HeaderMap;
  /** kong.ctx.shared. */
  readonly shared: Record<string, unknown>;
  /** kong.ctx.plugin, one table per plugin. */
  plugin(name: string): Record<string, unknown>;
  /** kong.request.get_raw_body (buffers the client's body once). */
  readBody(): Promise<Buffer>;
}

/** The RequestContext of one proxied request. */
export class PluginRequest implements RequestContext {
  readonly method: string;
  upstreamMethod: string;
  queryString: string | undefined = undefined;
  body: Buffer | undefined = undefined;
  consumer: Row | null = null;
  credential: Row | null = null;
  readonly responseHeaders = new HeaderMap();
  readonly shared: Record<string, unknown> = {};
  private readonly perPlugin = new Map<string, Record<string, unknown>>();
  private reading: Promise<Buffer> | undefined;

  constructor(readonly req: IncomingMessage, readonly res: ServerResponse, readonly path: string, public query: URLSearchParams | null,
    public upstreamPath: string, readonly upstreamHeaders: Record<string, string | string[]>, readonly route: Row, readonly service: Row) {
    this.method = req.method ?? "GET";
    this.upstreamMethod = this.method;
  }

  plugin(name: string): Record<string, unknown> {
    let t = this.perPlugin.get(name);
    if (!t) { t = {}; this.perPlugin.set(name, t); }
    return t;
  }

  readBody(): Promise<Buffer> {
    if (this.body !== undefined) return Promise.resolve(this.body);
    this.reading ??= (async () => {
      const chunks: Buffer[] = [];
      for await (const c of this.req) chunks.push(c as Buffer);
      this.body = Buffer.concat(chunks);
      return this.body;
    })();
    return this.reading;
  }
}

/** A response on its way out: status, headers and (when buffered) body, for the filter phases. */
export interface ResponseParts {
  status: number;
  readonly headers: HeaderMap;
  /** Answered by Kong itself, not the upstream (nor a proxy-cache hit). */
  readonly generated: boolean;
}

/**
 * One modelled plugin: its priority (handler.lua PRIORITY) and the phases it runs in. `C` is the
 * config as the plugin uses it, parsed from the stored config (defaults of this version filled in).
 */
export interface PluginHandler<C = unknown> {
  readonly name: string;
  priority(version: string): number;
  parse(config: Record<string, unknown>, version: string): C;
  access?(conf: C, ctx: RequestContext, node: NodeDeps): Promise<Exit | undefined> | Exit | undefined;
  headerFilter?(conf: C, ctx: RequestContext, res: ResponseParts, node: NodeDeps): void;
  /** Whether body_filter needs the whole response body (the stand-in then buffers it). */
  wantsBody?(conf: C, ctx: RequestContext, res: ResponseParts): boolean;
  bodyFilter?(conf: C, ctx: RequestContext, res: ResponseParts, body: Buffer, node: NodeDeps): Buffer;
}

/** The consumer/credential headers every authentication plugin sets (constants.lua HEADERS). */
export const CONSUMER_HEADERS = {
  id: "x-consumer-id", customId: "x-consumer-custom-id", username: "x-consumer-username",
  credentialUsername: "x-credential-username", credentialIdentifier: "x-credential-identifier", anonymous: "x-anonymous-consumer",
} as const;
