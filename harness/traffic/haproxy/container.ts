// HAProxy in a container on the host's network: it reaches the Kong nodes on the ports Docker
// mapped to 127.0.0.1 and listens on 127.0.0.1 itself, as a host process would, with no port
// proxy between the load and it. Master-worker mode: a soft stop lets in-flight requests finish.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { EnvironmentError } from "../../errors.ts";
import { labImage } from "../../runtime/lab-state.ts";
import { renderHaproxyConfig, weightsMap, WEIGHTS_MAP, type HaproxyConfigOptions } from "./config.ts";

export const CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
const ATTEMPTS = 3;

export interface StartedHaproxy {
  readonly container: StartedTestContainer;
  readonly image: string;
  readonly config: string;
  readonly frontendPort: number;
  readonly runtimeApiPort: number;
}

/** A port of 127.0.0.1 free now (HAProxy binds it a moment later; a clash is retried). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startHaproxy(
  options: Omit<HaproxyConfigOptions, "frontendPort" | "runtimeApiPort"> & { readonly frontendPort?: number },
  image = labImage("haproxy"),
): Promise<StartedHaproxy> {
  let last: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const frontendPort = options.frontendPort || (await freePort());
    const runtimeApiPort = await freePort();
    const config = renderHaproxyConfig({ ...options, frontendPort, runtimeApiPort });
    try {
      const container = await new GenericContainer(image)
        .withNetworkMode("host")
        .withCopyContentToContainer([{ content: config, target: CONFIG_PATH }, { content: weightsMap(options.green), target: WEIGHTS_MAP }])
        .withCommand(["haproxy", "-W", "-f", CONFIG_PATH])
        .withWaitStrategy(Wait.forLogMessage(/Loading success/))
        .withStartupTimeout(30_000)
        .withName(`kuh-haproxy-${Date.now().toString(36)}-${attempt}`)
        .start();
      return { container, image, config, frontendPort, runtimeApiPort };
    } catch (e) {
      last = e;
      // A chosen port taken in between is the likely cause; a port the caller chose is not retried.
      if (options.frontendPort) break;
    }
  }
  throw new EnvironmentError(`HAProxy did not start: ${last instanceof Error ? last.message : String(last)}`, { cause: last, hint: "run `npx kong-upgrade-harness lab` to build the haproxy image; check that the ports of 127.0.0.1 are free" });
}
