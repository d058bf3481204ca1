// A Toxiproxy container for testcontainers 11 (`@testcontainers/toxiproxy` targets another major).
// The control API (8474) and a small range of proxy ports are published; each proxy created through
// it takes the next free port of the range, so the host reaches the upstream through the toxics.
import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { Toxiproxy, type Proxy } from "toxiproxy-node-client";
import { EnvironmentError } from "../errors.ts";
import { labImage } from "../runtime/lab-state.ts";

export const TOXIPROXY_CONTROL_PORT = 8474;
/** First proxy port inside the container; the same range `@testcontainers/toxiproxy` uses. */
export const FIRST_PROXY_PORT = 8666;

export class ToxiproxyContainer extends GenericContainer {
  constructor(
    image: string = labImage("toxiproxy"),
    /** Every published port is one more docker-proxy process on the host: keep the range small. */
    private readonly proxyPorts = 8,
  ) {
    super(image);
    const ports = Array.from({ length: proxyPorts }, (_, i) => FIRST_PROXY_PORT + i);
    this.withExposedPorts(TOXIPROXY_CONTROL_PORT, ...ports)
      // Without LOG_LEVEL the server logs every link at trace level: several lines per datastore
      // query, which on a busy host slows the proxy (and so every Kong node behind it).
      .withEnvironment({ LOG_LEVEL: "warn" })
      .withWaitStrategy(Wait.forHttp("/version", TOXIPROXY_CONTROL_PORT))
      .withStartupTimeout(30_000);
  }

  override async start(): Promise<StartedToxiproxyContainer> {
    return new StartedToxiproxyContainer(await super.start(), this.proxyPorts);
  }
}

export interface CreatedProxy {
  readonly proxy: Proxy;
  /** Where the host connects to go through the proxy. */
  readonly host: string;
  readonly port: number;
  /** Disabling a proxy drops its connections and refuses new ones: a clean "the upstream is down". */
  setEnabled(enabled: boolean): Promise<void>;
}

export class StartedToxiproxyContainer extends AbstractStartedContainer {
  readonly client: Toxiproxy;
  private nextPort = FIRST_PROXY_PORT;

  constructor(started: StartedTestContainer, private readonly proxyPorts: number) {
    super(started);
    this.client = new Toxiproxy(`http://${started.getHost()}:${started.getMappedPort(TOXIPROXY_CONTROL_PORT)}`);
  }

  /**
   * A proxy only containers on the same network reach (`<alias>:<listenPort>`): nothing is
   * published, so there is no limit but the port number. Used between Kong nodes and the datastore.
   */
  async createInternalProxy(name: string, upstream: string, listenPort: number): Promise<Proxy> {
    return this.client.createProxy({ name, upstream, listen: `0.0.0.0:${listenPort}` });
  }

  /** Creates a proxy to `upstream` (host:port as seen from inside the container's networks). */
  async createProxy(name: string, upstream: string): Promise<CreatedProxy> {
    if (this.nextPort >= FIRST_PROXY_PORT + this.proxyPorts) {
      throw new EnvironmentError(`Toxiproxy container has no free proxy port left (${this.proxyPorts} published)`, {
        hint: "publish more with new ToxiproxyContainer(image, ports)",
      });
    }
    const containerPort = this.nextPort++;
    const proxy = await this.client.createProxy({ name, upstream, listen: `0.0.0.0:${containerPort}` });
    return {
      proxy,
      host: this.getHost(),
      port: this.getMappedPort(containerPort),
      setEnabled: async (enabled) => {
        await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
      },
    };
  }
}
