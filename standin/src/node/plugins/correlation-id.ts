// correlation-id (kong/plugins/correlation-id/handler.lua): a request without the header (or, from
// 2.2, with an empty one) gets a generated id upstream: `uuid`, `uuid#counter` (the worker's uuid and
// a counter; the stand-in is one worker) or `tracker` (server address, port, pid, connection serial,
// requests on the connection, time). With echo_downstream the id is also set on the answer; from 2.1
// even on answers given before the plugin's access ran (the request's header, else a new id).
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { atLeast } from "../../catalogue/entities.ts";
import type { ConfigField } from "./config-schema.ts";
import type { PluginHandler, RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export const GENERATORS = ["uuid", "uuid#counter", "tracker"] as const;

export interface CorrelationIdConfig { readonly header_name: string; readonly generator: string; readonly echo_downstream: boolean }

export const CORRELATION_ID_FIELDS: readonly ConfigField[] = [
  { name: "header_name", type: "string", default: "Kong-Request-ID" },
  { name: "generator", type: "string", default: "uuid#counter", oneOf: GENERATORS },
  { name: "echo_downstream", type: "boolean", default: false, requiredSince: "2.3.0" },
];

export const correlationIdSchema: PluginSchema = { fields: CORRELATION_ID_FIELDS };

/** init_worker's state: this process is the node's one worker. */
const worker = { uuid: randomUUID(), counter: 0 };

/** nginx's $connection (a serial number per connection) and $connection_requests. */
const connections = new WeakMap<Socket, { serial: number; requests: number; lastReq: unknown }>();
let connectionSerial = 0;

function connectionOf(ctx: RequestContext): { serial: number; requests: number } {
  const socket = ctx.req.socket;
  let c = connections.get(socket);
  if (!c) { c = { serial: ++connectionSerial, requests: 0, lastReq: undefined }; connections.set(socket, c); }
  if (c.lastReq !== ctx.req) { c.requests++; c.lastReq = ctx.req; }
  return c;
}

export function generate(generator: string, ctx: RequestContext): string {
  if (generator === "uuid") return randomUUID();
  if (generator === "tracker") {
    const c = connectionOf(ctx);
    const addr = (ctx.req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    return `${addr}-${ctx.req.socket.localPort ?? 0}-${process.pid}-${c.serial}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`;
  }
  worker.counter++;
  return `${worker.uuid}#${worker.counter}`;
}

interface CorrelationState { id?: string }

const requestHeader = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** correlation-id (PRIORITY 1). */
export const correlationIdPlugin: PluginHandler<CorrelationIdConfig> = {
  name: "correlation-id",
  priority: () => 1,
  parse: (c) => ({
    header_name: typeof c.header_name === "string" ? c.header_name : "Kong-Request-ID",
    generator: typeof c.generator === "string" ? c.generator : "uuid#counter",
    echo_downstream: c.echo_downstream === true,
  }),
  access(conf, ctx, node) {
    let id = requestHeader(ctx, conf.header_name);
    const missing = id === undefined || (atLeast(node.version, "2.2.0") && id === "");
    if (missing) {
      id = generate(conf.generator, ctx);
      ctx.upstreamHeaders[conf.header_name.toLowerCase()] = id;
    }
    if (conf.echo_downstream) (ctx.plugin("correlation-id") as CorrelationState).id = id;
    return undefined;
  },
  headerFilter(conf, ctx, res, node) {
    if (!conf.echo_downstream) return;
    let id = (ctx.plugin("correlation-id") as CorrelationState).id;
    if (!atLeast(node.version, "2.1.0")) {
      // Up to 2.0 only an id the access phase saw is echoed.
      if (id !== undefined) res.headers.set(conf.header_name, id);
      return;
    }
    id ??= requestHeader(ctx, conf.header_name);
    if (id === undefined || (atLeast(node.version, "2.2.0") && id === "")) id = generate(conf.generator, ctx);
    res.headers.set(conf.header_name, id);
  },
};
