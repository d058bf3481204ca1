// Toxiproxy between every Kong node (and migration command) and the datastore: one proxy per node,
// so a toxic or a partition can be aimed at one node, one cluster or all. Off by default; when on,
// a node is given the proxy's address instead of the datastore's (KONG_PG_HOST/PORT or
// KONG_CASSANDRA_CONTACT_POINTS/PORT), nothing else changes.
import type { StartedNetwork } from "testcontainers";
import type { Proxy } from "toxiproxy-node-client";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError } from "../errors.ts";
import { ToxiproxyContainer, type StartedToxiproxyContainer } from "./toxiproxy-container.ts";

export const TOXIPROXY_ALIAS = "kong-toxiproxy";
/** Listen ports inside the Toxiproxy container, one per node; above the published range. */
const FIRST_NODE_PORT = 20_000;

export class DatastoreProxies {
  private readonly proxies = new Map<string, Proxy>();
  private nextPort = FIRST_NODE_PORT;

  private constructor(private readonly toxiproxy: StartedToxiproxyContainer, private readonly datastore: StartedDatastore) {}

  /** Starts Toxiproxy on the datastore's network. */
  static async start(datastore: StartedDatastore, network: StartedNetwork = datastore.network): Promise<DatastoreProxies> {
    const toxiproxy = await new ToxiproxyContainer(undefined, 1).withNetwork(network).withNetworkAliases(TOXIPROXY_ALIAS)
      .withName(`toxiproxy-${Date.now().toString(36)}`).start();
    return new DatastoreProxies(toxiproxy, datastore);
  }

  /** KONG_* variables that send `client` (a node name, or "migrations") through its own proxy. */
  async kongEnv(client: string): Promise<Record<string, string>> {
    const proxy = this.proxies.get(client) ?? await this.create(client);
    const port = proxy.listen.split(":").pop()!;
    return this.datastore.kongEnv({ host: TOXIPROXY_ALIAS, port: Number(port) });
  }

  private async create(client: string): Promise<Proxy> {
    const { host, port } = this.datastore.endpoint();
    const proxy = await this.toxiproxy.createInternalProxy(`datastore-${client}`, `${host}:${port}`, this.nextPort++);
    this.proxies.set(client, proxy);
    return proxy;
  }

  /** The proxy of a node; throws when the node does not go through Toxiproxy. */
  proxy(client: string): Proxy {
    const p = this.proxies.get(client);
    if (!p) throw new HarnessError(`node "${client}" does not reach the datastore through Toxiproxy (proxied: ${[...this.proxies.keys()].join(", ") || "none"})`);
    return p;
  }

  /** Disabled: the node's datastore connections drop and new ones are refused (a partition). */
  async setEnabled(client: string, enabled: boolean): Promise<void> {
    const p = this.proxy(client);
    await p.update({ enabled, listen: p.listen, upstream: p.upstream });
  }

  async stop(): Promise<void> {
    await this.toxiproxy.stop();
  }
}
