// Reads a container's stdout and stderr apart, from Docker's multiplexed log stream.
import type Dockerode from "dockerode";

export interface ContainerOutput { readonly stdout: string; readonly stderr: string }

/** Splits Docker's log frames: 8-byte header (stream type, 3 zero bytes, big-endian length), then payload. */
export function demux(buf: Buffer): ContainerOutput {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i]!;
    const len = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + len);
    (type === 2 ? err : out).push(payload);
    i += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

export async function containerOutput(container: Dockerode.Container, tail?: number): Promise<ContainerOutput> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, ...(tail ? { tail } : {}) })) as unknown as Buffer;
  return demux(raw);
}
