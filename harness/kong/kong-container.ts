// A Kong node in a container, configured the way the official image is: KONG_* environment only.
// Any image with the official image's contract works: `kong:<version>` or `kong-standin:<version>`.
import { GenericContainer, getContainerRuntimeClient, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { containerOutput } from "../runtime/container-output.ts";
import { InvalidConfigError } from "../errors.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import { KongWait } from "./kong-wait.ts";

export const KONG_PROXY_PORT = 8000;
export const KONG_ADMIN_PORT = 8001;

export interface KongTuning {
  readonly dbUpdateFrequencyS: number;
  readonly dbUpdatePropagationS: number;
  readonly plugins?: string;
  /** Stand-in fault switches (KONG_STANDIN_FAULTS); real Kong ignores the variable. */
  readonly faults?: string;
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export const DEFAULT_TUNING: KongTuning = { dbUpdateFrequencyS: 1, dbUpdatePropagationS: 0 };

/** The KONG_* environment of a node or a migration command. Built at the last moment, never stored. */
export function kongEnvironment(datastore: StartedDatastore, tuning: KongTuning): Record<string, string> {
  return {
    ...datastore.kongEnv(),
    KONG_PROXY_LISTEN: `0.0.0.0:${KONG_PROXY_PORT}`,
    KONG_ADMIN_LISTEN: `0.0.0.0:${KONG_ADMIN_PORT}`,
    KONG_PROXY_ACCESS_LOG: "off",
    // As the official image sets it: what reached the Admin API is read back from stdout (admin-access-log.ts).
    KONG_ADMIN_ACCESS_LOG: "/dev/stdout",
    KONG_PROXY_ERROR_LOG: "/dev/stderr",
    KONG_ADMIN_ERROR_LOG: "/dev/stderr",
    KONG_DB_UPDATE_FREQUENCY: String(tuning.dbUpdateFrequencyS),
    KONG_DB_UPDATE_PROPAGATION: String(tuning.dbUpdatePropagationS),
    ...(tuning.plugins ? { KONG_PLUGINS: tuning.plugins } : {}),
    ...(tuning.faults ? { KONG_STANDIN_FAULTS: tuning.faults } : {}),
    ...tuning.extraEnv,
  };
}

export class KongContainer {
  private datastore?: StartedDatastore;
  private tuning: KongTuning = DEFAULT_TUNING;
  private startupTimeoutMs = 90_000;

  constructor(readonly image: string, readonly nodeName: string) {}

  withDatastore(datastore: StartedDatastore): this { this.datastore = datastore; return this; }
  withTuning(tuning: KongTuning): this { this.tuning = tuning; return this; }
  withStartupTimeout(ms: number): this { this.startupTimeoutMs = ms; return this; }

  async start(network?: StartedNetwork): Promise<StartedKongContainer> {
    if (!this.datastore) throw new InvalidConfigError([`Kong node "${this.nodeName}" needs a datastore: call withDatastore()`]);
    const container = await new GenericContainer(this.image)
      .withName(`${this.nodeName}-${Date.now().toString(36)}`)
      .withNetwork(network ?? this.datastore.network)
      .withNetworkAliases(this.nodeName)
      // Kong reports its hostname (GET /); the stand-in scopes fault switches by it (node=...).
      .withHostname(this.nodeName)
      .withExposedPorts(KONG_PROXY_PORT, KONG_ADMIN_PORT)
      .withEnvironment(kongEnvironment(this.datastore, this.tuning))
      .withWaitStrategy(KongWait.forAdminStatus(this.nodeName, KONG_ADMIN_PORT))
      .withStartupTimeout(this.startupTimeoutMs)
      .start();
    return new StartedKongContainer(container, this.image, this.nodeName);
  }
}

export class StartedKongContainer implements AsyncDisposable {
  private stopped = false;

  constructor(readonly container: StartedTestContainer, readonly image: string, readonly name: string) {}

  /** Read at each call: a restarted node gets new host ports. */
  getAdminUrl(): string { return `http://127.0.0.1:${this.container.getMappedPort(KONG_ADMIN_PORT)}`; }
  getProxyUrl(): string { return `http://127.0.0.1:${this.container.getMappedPort(KONG_PROXY_PORT)}`; }

  /** Stops the node: gracefully (SIGQUIT, the image's STOPSIGNAL, in-flight requests finish) or at once. */
  async stop(graceful = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.container.stop({ timeout: graceful ? 30_000 : 0, remove: true });
  }

  /** The node's last output lines, stdout then stderr: a finished read, not a followed stream. */
  async logs(tail = 200): Promise<string> {
    const docker = (await getContainerRuntimeClient()).container.dockerode.getContainer(this.container.getId());
    const { stdout, stderr } = await containerOutput(docker, tail);
    return `${stdout}${stderr}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop(false);
  }
}
