// Where the load balancer's RequestRecords go: requests.jsonl of the run directory, written in
// batches so the request path never waits on the disk.
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { RequestLine } from "../checks/records.ts";
import { HarnessError } from "../errors.ts";

export interface RequestSink {
  /** Called once per request, synchronously on the request path; must not throw or block. */
  write(record: RequestLine): void;
  /** Resolves when everything written so far is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface JsonlRequestSinkOptions {
  /** Records buffered before a write; default 256. */
  readonly batchSize?: number;
  /** Longest a record waits in the buffer; default 100 ms. */
  readonly flushIntervalMs?: number;
  /** Append to an existing file instead of truncating it. */
  readonly append?: boolean;
}

/** JSONL file sink: one record per line, in completion order (sort by seq to get arrival order). */
export class JsonlRequestSink implements RequestSink {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private error: Error | undefined;
  private closed = false;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  written = 0;

  constructor(readonly path: string, options: JsonlRequestSinkOptions = {}) {
    this.batchSize = options.batchSize ?? 256;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.stream = createWriteStream(path, { flags: options.append ? "a" : "w" });
    this.stream.on("error", (e) => (this.error ??= e));
  }

  write(record: RequestLine): void {
    if (this.closed) {
      this.error ??= new HarnessError(`request record ${record.seq} written after ${this.path} was closed`);
      return;
    }
    this.buffer.push(JSON.stringify(record));
    if (this.buffer.length >= this.batchSize) this.writeBatch();
    else this.timer ??= setTimeout(() => this.writeBatch(), this.flushIntervalMs).unref();
  }

  async flush(): Promise<void> {
    this.writeBatch();
    await new Promise<void>((resolve, reject) => this.stream.write("", (e) => (e ? reject(e) : resolve())));
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writeBatch();
    this.closed = true;
    await new Promise<void>((resolve) => this.stream.end(resolve));
    this.throwIfFailed();
  }

  private writeBatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    this.written += this.buffer.length;
    this.stream.write(this.buffer.join("\n") + "\n");
    this.buffer = [];
  }

  private throwIfFailed(): void {
    if (this.error) throw new HarnessError(`writing request records to ${this.path} failed: ${this.error.message}`, { cause: this.error });
  }
}

/** Keeps records in memory; for tests and short runs. */
export class MemoryRequestSink implements RequestSink {
  readonly records: RequestLine[] = [];
  write(record: RequestLine): void {
    this.records.push(record);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Sends every record to each sink in turn. */
export function teeSinks(...sinks: RequestSink[]): RequestSink {
  return {
    write: (r) => sinks.forEach((s) => s.write(r)),
    flush: async () => void (await Promise.all(sinks.map((s) => s.flush()))),
    close: async () => void (await Promise.all(sinks.map((s) => s.close()))),
  };
}

/** Reads a requests.jsonl file back (for checks and tests). */
export async function readRequestRecords(path: string): Promise<RequestLine[]> {
  const text = await readFile(path, "utf8");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as RequestLine);
}
