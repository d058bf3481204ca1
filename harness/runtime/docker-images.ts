// The few questions the lab asks the Docker engine about images.
import { exec } from "./exec.ts";

export interface ImageInfo { readonly id: string; readonly labels: Readonly<Record<string, string>>; readonly sizeBytes: number }

export async function inspectImage(ref: string): Promise<ImageInfo | null> {
  const r = await exec("docker", ["image", "inspect", "--format", "{{json .}}", ref]);
  if (r.exitCode !== 0) return null;
  const data = JSON.parse(r.stdout) as { Id: string; Size: number; Config?: { Labels?: Record<string, string> | null } };
  return { id: data.Id, labels: data.Config?.Labels ?? {}, sizeBytes: data.Size };
}

/** Tries a pull; a registry that cannot be reached answers at once with an error, never hangs. */
export async function tryPull(ref: string, timeoutMs = 600_000): Promise<boolean> {
  return (await exec("docker", ["pull", "--quiet", ref], { timeoutMs })).exitCode === 0;
}
