// A Kong Admin API client on undici. Writes go through a guard: the procedure sends Admin API writes
// only to the old cluster until `kong migrations finish`, and the harness enforces that on itself.
import { Pool } from "undici";
import { HarnessError } from "../errors.ts";

export class AdminWriteRefusedError extends HarnessError {
  override name = "AdminWriteRefusedError";
  override readonly code = "KH_ERR_ADMIN_WRITE_REFUSED";
}

export interface AdminResponse<T = unknown> { readonly status: number; readonly body: T; readonly headers: Readonly<Record<string, string | string[] | undefined>> }

export type WriteMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export class KongAdminClient {
  private pool?: Pool;
  private poolUrl?: string;

  /**
   * @param adminUrl read at each request (a restarted node has a new mapped port)
   * @param writesAllowed asked before every write; a refusal throws before anything is sent
   */
  constructor(
    readonly node: string,
    private readonly adminUrl: () => string,
    private readonly writesAllowed: () => { allowed: boolean; reason?: string } = () => ({ allowed: true }),
    private readonly timeoutMs = 10_000,
  ) {}

  private client(): Pool {
    const url = this.adminUrl();
    if (!this.pool || this.poolUrl !== url) {
      void this.pool?.close();
      this.pool = new Pool(url, { connections: 8, keepAliveTimeout: 10_000 });
      this.poolUrl = url;
    }
    return this.pool;
  }

  async get<T = unknown>(path: string): Promise<AdminResponse<T>> {
    return this.send<T>("GET", path);
  }

  async write<T = unknown>(method: WriteMethod, path: string, body?: unknown): Promise<AdminResponse<T>> {
    const verdict = this.writesAllowed();
    if (!verdict.allowed) {
      throw new AdminWriteRefusedError(`Admin API write ${method} ${path} to node "${this.node}" refused: ${verdict.reason ?? "writes are not allowed"}`);
    }
    return this.send<T>(method, path, body);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>> {
    const res = await this.client().request({
      method, path,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* non-JSON answers are kept as text */ }
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
