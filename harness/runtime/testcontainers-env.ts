// testcontainers reads its settings from the environment when its modules load, so this runs before
// anything imports it: the CLI's entry point and the test setup call it first.
import { readLabState } from "./lab-state.ts";

const OFFICIAL_RYUK = "testcontainers/ryuk:0.14.0";

export function configureTestcontainers(env: NodeJS.ProcessEnv = process.env): void {
  // These machines have /.dockerenv, which makes testcontainers pull an image to find the gateway.
  env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
  const reaper = readLabState().components.reaper?.ref;
  if (reaper && reaper !== OFFICIAL_RYUK) env.RYUK_CONTAINER_IMAGE ??= reaper;
  env.TESTCONTAINERS_RYUK_RECONNECTION_TIMEOUT ??= "2s";
}
