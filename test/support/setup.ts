// Mocha root hooks for integration tests: testcontainers is pointed at the lab's images and the
// Docker engine is required, never skipped.
import { execFileSync } from "node:child_process";
import { readLabState } from "../../harness/runtime/lab-state.ts";

export function configureTestcontainers(): void {
  // These machines have /.dockerenv, which makes testcontainers pull an image to find the gateway.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
  const reaper = readLabState().components.reaper?.ref;
  if (reaper && reaper !== "testcontainers/ryuk:0.14.0") process.env.RYUK_CONTAINER_IMAGE ??= reaper;
  process.env.TESTCONTAINERS_RYUK_RECONNECTION_TIMEOUT ??= "2s";
}

export const mochaHooks = {
  beforeAll(): void {
    try {
      execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 10_000 });
    } catch {
      throw new Error("No Docker engine answers: run `npx kong-upgrade-harness lab` (it installs and starts one as root on Debian)");
    }
    configureTestcontainers();
  },
};
