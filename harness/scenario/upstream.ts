// The echo upstream container every seeded service points at (traffic stays inside our own network).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { labImage, PROJECT_ROOT } from "../runtime/lab-state.ts";

export const UPSTREAM_ALIAS = "echo-upstream";
export const UPSTREAM_PORT = 8080;

export async function startEchoUpstream(network: StartedNetwork, image = labImage("node-base")): Promise<StartedTestContainer> {
  return new GenericContainer(image)
    .withNetwork(network).withNetworkAliases(UPSTREAM_ALIAS)
    .withCopyContentToContainer([{ content: readFileSync(join(PROJECT_ROOT, "lab/upstream/echo.mjs")), target: "/srv/echo.mjs" }])
    .withCommand(["node", "/srv/echo.mjs"])
    .withExposedPorts(UPSTREAM_PORT)
    .withWaitStrategy(Wait.forLogMessage(/echo upstream listening/))
    .withName(`echo-upstream-${Date.now().toString(36)}`)
    .start();
}
