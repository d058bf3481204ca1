// Mocha root hooks for integration tests: testcontainers is pointed at the lab's images and the
// Docker engine is required, never skipped.
import { execFileSync } from "node:child_process";
import { configureTestcontainers } from "../../harness/runtime/testcontainers-env.ts";

// --require loads this file before the specs, and testcontainers reads its settings at import.
configureTestcontainers();

export const mochaHooks = {
  beforeAll(): void {
    try {
      execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 10_000 });
    } catch {
      throw new Error("No Docker engine answers: run `npx kong-upgrade-harness lab` (it installs and starts one as root on Debian)");
    }
  },
};
