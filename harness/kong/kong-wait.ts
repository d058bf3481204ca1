// Waits for a Kong node's Admin API to answer GET /status, and gives up at once, with the node's
// own output, when the container exits instead (a refused start is a result, not a timeout).
import type Dockerode from "dockerode";
import type { BoundPorts, WaitStrategy } from "testcontainers";
import { request } from "undici";
import { HarnessError } from "../errors.ts";
import { containerOutput } from "../runtime/container-output.ts";

export class KongNodeExitedError extends HarnessError {
  override name = "KongNodeExitedError";
  override readonly code = "KH_ERR_KONG_NODE_EXITED";
  constructor(readonly node: string, readonly exitCode: number, readonly stdout: string, readonly stderr: string) {
    super(`Kong node "${node}" exited with code ${exitCode} before its Admin API answered`);
  }
}

export class KongAdminStatusWait implements WaitStrategy {
  private startupTimeoutMs = 90_000;
  private timeoutSet = false;

  constructor(private readonly node: string, private readonly adminPort: number, private readonly intervalMs = 200) {}

  withStartupTimeout(ms: number): this { this.startupTimeoutMs = ms; this.timeoutSet = true; return this; }
  isStartupTimeoutSet(): boolean { return this.timeoutSet; }
  getStartupTimeout(): number { return this.startupTimeoutMs; }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const url = `http://127.0.0.1:${boundPorts.getBinding(this.adminPort)}/status`;
    const deadline = Date.now() + this.startupTimeoutMs;
    while (Date.now() < deadline) {
      const info = await container.inspect();
      if (!info.State.Running) {
        const { stdout, stderr } = await containerOutput(container);
        throw new KongNodeExitedError(this.node, info.State.ExitCode, stdout, stderr);
      }
      try {
        const res = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
    throw new HarnessError(`Kong node "${this.node}" Admin API not ready after ${this.startupTimeoutMs}ms (${url})`);
  }
}

export const KongWait = {
  forAdminStatus: (node: string, adminPort: number): KongAdminStatusWait => new KongAdminStatusWait(node, adminPort),
};
