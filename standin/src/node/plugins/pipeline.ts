// The plugins of one request, run the way kong/init.lua runs them: in the order of their handler's
// PRIORITY (highest first). In access, each plugin's configuration is looked up when its turn comes
// (load_configuration_through_combos, with the consumer authenticated so far); once one plugin ends
// the request (kong.response.exit/error with ctx.delay_response), the rest are still configured but
// their access handlers do not run. header_filter and body_filter then run for every configured
// plugin, on the upstream's answer or on the one a plugin gave.
import type { Row } from "../../db/types.ts";
import { log } from "../log.ts";
import type { Exit, NodeDeps, PluginHandler, RequestContext, ResponseParts } from "./context.ts";
import { PLUGIN_HANDLERS } from "./registry.ts";

export interface Configured { readonly handler: PluginHandler; readonly conf: unknown }

/** Lua errors raised in an access handler become this delayed response (execute_plugins_iterator). */
const UNEXPECTED: Exit = { status: 500, form: "exit", message: "An unexpected error occurred" };

export class PluginPipeline {
  private readonly ordered: readonly PluginHandler[];
  /** Parsed configs per stored row (rows are replaced when the plugins iterator is rebuilt). */
  private readonly parsed = new WeakMap<Row, unknown>();

  constructor(private readonly node: NodeDeps) {
    // Array.prototype.sort is stable: equal priorities keep the registry's (name) order.
    this.ordered = [...PLUGIN_HANDLERS].sort((a, b) => b.priority(node.version) - a.priority(node.version));
  }

  private config(handler: PluginHandler, row: Row): unknown {
    let conf = this.parsed.get(row);
    if (conf === undefined) {
      conf = handler.parse((row.config ?? {}) as Record<string, unknown>, this.node.version);
      this.parsed.set(row, conf);
    }
    return conf;
  }

  /** The access phase: the configured plugins, and the answer one of them ended the request with. */
  async access(ctx: RequestContext): Promise<{ configured: Configured[]; exit?: Exit }> {
    const plugins = this.node.state.plugins;
    const configured: Configured[] = [];
    let exit: Exit | undefined;
    const routeId = String(ctx.route.id), serviceId = String(ctx.service.id);
    for (const handler of this.ordered) {
      if (!plugins.has(handler.name)) continue;
      const row = plugins.lookup(handler.name, routeId, serviceId, ctx.consumer ? String(ctx.consumer.id) : null);
      if (!row) continue;
      const conf = this.config(handler, row);
      configured.push({ handler, conf });
      if (exit || !handler.access) continue;
      try {
        exit = await handler.access(conf, ctx, this.node);
      } catch (e) {
        log("error", `[${handler.name}] ${(e as Error).stack ?? String(e)}`);
        exit = UNEXPECTED;
      }
    }
    return exit ? { configured, exit } : { configured };
  }

  headerFilter(configured: readonly Configured[], ctx: RequestContext, res: ResponseParts): void {
    for (const { handler, conf } of configured) handler.headerFilter?.(conf, ctx, res, this.node);
  }

  /** Whether a body filter needs the whole answer (it is then buffered instead of streamed). */
  wantsBody(configured: readonly Configured[], ctx: RequestContext, res: ResponseParts): boolean {
    return configured.some(({ handler, conf }) => handler.bodyFilter !== undefined && (handler.wantsBody?.(conf, ctx, res) ?? false));
  }

  bodyFilter(configured: readonly Configured[], ctx: RequestContext, res: ResponseParts, body: Buffer): Buffer {
    let out = body;
    for (const { handler, conf } of configured) {
      if (handler.bodyFilter && (handler.wantsBody?.(conf, ctx, res) ?? false)) out = handler.bodyFilter(conf, ctx, res, out, this.node);
    }
    return out;
  }
}
