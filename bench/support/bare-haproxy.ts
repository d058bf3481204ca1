// A bare HAProxy for reference: the lab's image, one thread, one backend with the upstream, kept-alive
// connections on both sides, and nothing else (no split, no maps, no logging, no harness reading
// records). Measured beside the harness's configuration, it shows how much of the overhead is
// HAProxy itself on this machine and how much is what the harness adds.
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { CONFIG_PATH, freePort } from "../../harness/traffic/haproxy/container.ts";

export interface BareHaproxy { readonly url: string; readonly container: StartedTestContainer }

export async function startBareHaproxy(upstreamUrl: string): Promise<BareHaproxy> {
  const port = await freePort();
  const upstream = new URL(upstreamUrl);
  const config = [
    "global", "  nbthread 1", "  maxconn 5000", "",
    "defaults", "  mode http", "  option http-keep-alive", "  timeout connect 5s", "  timeout client 120s", "  timeout server 10s", "  timeout http-keep-alive 65s", "",
    "frontend bare", `  bind 127.0.0.1:${port}`, "  default_backend upstream", "",
    "backend upstream", "  http-reuse safe", `  server upstream ${upstream.hostname}:${upstream.port}`, "",
  ].join("\n");
  const container = await new GenericContainer(labImage("haproxy"))
    .withNetworkMode("host")
    .withCopyContentToContainer([{ content: config, target: CONFIG_PATH }])
    .withCommand(["haproxy", "-W", "-f", CONFIG_PATH])
    .withWaitStrategy(Wait.forLogMessage(/Loading success/))
    .withStartupTimeout(30_000)
    .start();
  return { url: `http://127.0.0.1:${port}`, container };
}
