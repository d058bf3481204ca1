// Runs a command in a throw-away container of an image and returns its exit code and output, the
// way operators run `kong migrations up` with the official image. Exit codes are data.
import { GenericContainer, getContainerRuntimeClient, StartupCheckStrategy, type StartedNetwork, type StartupStatus } from "testcontainers";
import type Dockerode from "dockerode";
import type { ExecResult } from "../errors.ts";
import { containerOutput } from "./container-output.ts";

/** Ready as soon as the container has exited, whatever its exit code. */
class ExitedCheck extends StartupCheckStrategy {
  override async checkStartupState(client: Dockerode, containerId: string): Promise<StartupStatus> {
    const info = await client.getContainer(containerId).inspect();
    return info.State.Running || info.State.Paused || info.State.FinishedAt.startsWith("0001") ? "PENDING" : "SUCCESS";
  }
}

export interface OneShotSpec {
  readonly image: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly network?: StartedNetwork;
  readonly name?: string;
  readonly timeoutMs?: number;
}

export interface OneShotResult extends ExecResult { readonly image: string }

export async function runOneShot(spec: OneShotSpec): Promise<OneShotResult> {
  const started = Date.now();
  let c = new GenericContainer(spec.image).withCommand([...spec.command]).withEnvironment({ ...spec.env })
    .withWaitStrategy(new ExitedCheck()).withStartupTimeout(spec.timeoutMs ?? 300_000);
  if (spec.network) c = c.withNetwork(spec.network);
  if (spec.name) c = c.withName(`${spec.name}-${Date.now().toString(36)}`);
  const container = await c.start();
  try {
    const docker = (await getContainerRuntimeClient()).container.dockerode.getContainer(container.getId());
    const info = await docker.inspect();
    const { stdout, stderr } = await containerOutput(docker);
    return { image: spec.image, command: spec.command.join(" "), exitCode: info.State.ExitCode, stdout, stderr, durationMs: Date.now() - started };
  } finally {
    await container.stop({ remove: true, timeout: 0 }).catch(() => undefined);
  }
}
