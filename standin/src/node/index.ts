// startNode: what nginx + Kong.init/init_worker do once the schema check passed. Build the router and
// plugins iterator from the datastore (failing like Kong.init when the data is incompatible), start
// polling cluster_events, and serve the proxy and Admin API listeners until closed.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { hostname as osHostname } from "node:os";
import { atLeast } from "../catalogue/entities.ts";
import type { Listener } from "../config.ts";
import { DEFAULT_WS_ID } from "../migrations/core-ddl.ts";
import { AdminHandler } from "./admin/server.ts";
import { ClusterEvents } from "./cluster-events.ts";
import { ServerStats, infoBody, statusBody } from "./info.ts";
import { log } from "./log.ts";
import { MigrationWatch } from "./migration-watch.ts";
import { ProxyHandler } from "./proxy/server.ts";
import { NodeState } from "./state.ts";
import type { BoundListener, NodeContext, RunningNode } from "./types.ts";

export type { MigrationState, NodeContext, RunningNode } from "./types.ts";

const GRACEFUL_TIMEOUT_MS = 10_000;
const LIVE_MIGRATION_FAULTS = ["auth-bypass-until-finish", "old-after-finish-open"];

function listen(server: Server, l: Listener): Promise<BoundListener> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: l.host, port: l.port, backlog: 16384 }, () => {
      server.off("error", reject);
      const a = server.address();
      resolve({ host: l.host, port: typeof a === "object" && a ? a.port : l.port });
    });
  });
}

function instrumented(stats: ServerStats, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
    stats.totalRequests++;
    stats.writing++;
    res.once("close", () => { stats.writing--; });
    handler(req, res);
  });
  server.on("connection", (socket) => {
    stats.accepted++;
    stats.active++;
    socket.once("close", () => { stats.active--; });
  });
  return server;
}

export async function startNode(ctx: NodeContext): Promise<RunningNode> {
  const { config, version, datastore: ds, faults } = ctx;
  const nodeId = randomUUID();
  const host = ctx.hostname ?? osHostname();
  const events = new ClusterEvents(ds.events, nodeId, config.dbUpdateFrequencyS, config.dbUpdatePropagationS);
  const state = new NodeState(version, ds, atLeast(version, "2.1.0") ? DEFAULT_WS_ID : null, config.plugins, faults, events);
  await state.init();
  const migrations = new MigrationWatch(version, config.plugins, ds, ctx.migrationState);
  if (LIVE_MIGRATION_FAULTS.some((f) => faults.names.includes(f))) {
    await migrations.refresh();
    migrations.watch(Math.max(1000, config.dbUpdateFrequencyS * 1000));
  }
  await events.start();

  const stats = new ServerStats();
  const servers: Server[] = [];
  const proxy: BoundListener[] = [];
  const admin: BoundListener[] = [];
  const proxyHandlers: ProxyHandler[] = [];
  try {
    for (const l of config.proxyListen) {
      const h = new ProxyHandler({ version, state, ds, faults, migrations });
      const s = instrumented(stats, h.handle);
      const bound = await listen(s, l);
      h.port = bound.port;
      proxy.push(bound);
      servers.push(s);
      proxyHandlers.push(h);
    }
    const adminHandler = new AdminHandler({
      version, config, ds, faults, state,
      info: async () => infoBody(version, host, nodeId, config, state),
      status: () => statusBody(version, config, ds, stats),
    });
    for (const l of config.adminListen) {
      const s = instrumented(stats, adminHandler.handle);
      admin.push(await listen(s, l));
      servers.push(s);
    }
  } catch (e) {
    for (const s of servers) s.close();
    events.stop();
    state.stop();
    migrations.stop();
    throw e;
  }

  let closing: Promise<void> | undefined;
  const close = (graceful: boolean): Promise<void> => (closing ??= (async () => {
    events.stop();
    state.stop();
    migrations.stop();
    for (const h of proxyHandlers) for (const r of h.hung) r.destroy();
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of servers) { s.closeIdleConnections(); if (!graceful) s.closeAllConnections(); }
    const timer = setTimeout(() => { for (const s of servers) s.closeAllConnections(); }, GRACEFUL_TIMEOUT_MS);
    await Promise.all(closed);
    clearTimeout(timer);
    await Promise.all(proxyHandlers.map((h) => h.upstreams.close()));
  })());

  if (ctx.signals !== false) installSignals(close, ds);
  log("notice", `[kong] stand-in ${version} node ${nodeId} serving proxy ${proxy.map((p) => p.port).join(",")} admin ${admin.map((a) => a.port).join(",")}`);
  return { nodeId, version, proxy, admin, close };
}

/** SIGQUIT: graceful quit (nginx's QUIT); SIGTERM/SIGINT: fast shutdown. Both exit 0. */
function installSignals(close: (graceful: boolean) => Promise<void>, ds: NodeContext["datastore"]): void {
  const quit = (graceful: boolean) => (): void => {
    log("notice", graceful ? "signal 3 (SIGQUIT) received, gracefully shutting down" : "signal 15 (SIGTERM) received, exiting");
    void close(graceful).then(() => ds.close().catch(() => undefined)).finally(() => process.exit(0));
  };
  process.once("SIGQUIT", quit(true));
  process.once("SIGTERM", quit(false));
  process.once("SIGINT", quit(false));
}
