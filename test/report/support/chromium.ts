// Headless Chromium (Debian's `chromium`) for report pages: loads a local HTML file, driven over the
// DevTools protocol on `--remote-debugging-pipe` (fd 3 in, fd 4 out, NUL-terminated JSON: no
// port, no extra package), collects every console message and exception, inspects the rendered
// DOM with an expression, and saves a screenshot. Every wait is bounded: a stuck browser fails the
// load with what it was waiting for, never hangs the suite.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function chromiumBinary(): Promise<string> {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      await run("sh", ["-c", `command -v ${name}`]);
      return name;
    } catch { /* try the next name */ }
  }
  throw new Error("chromium is not installed: run `npx kong-upgrade-harness lab` as root on Debian (it installs Debian's chromium) or `apt-get install -y chromium`");
}

/** A console message, exception or browser log entry of the page. */
export interface PageMessage {
  /** "console" (console.*), "exception" (uncaught), or the browser log's source ("rendering", "security", "network", ...). */
  readonly source: string;
  readonly level: string;
  readonly text: string;
}

export interface LoadedPage<T> {
  readonly messages: readonly PageMessage[];
  /** The messages at level error (and every uncaught exception). */
  readonly errors: readonly PageMessage[];
  /** What the inspect expression returned, evaluated after the load event. */
  readonly inspected: T;
}

export interface LoadOptions {
  /** A JavaScript expression evaluated in the page after load; its value must be JSON. */
  readonly inspect: string;
  /** Where to save a screenshot of the viewport (PNG). */
  readonly png?: string;
  readonly width?: number;
  readonly height?: number;
  readonly timeoutMs?: number;
}

interface CdpMessage { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string }

/** The DevTools protocol over Chromium's debugging pipe. */
class CdpPipe {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners: ((m: CdpMessage) => void)[] = [];
  private closed: Error | undefined;

  constructor(private readonly toBrowser: Writable, fromBrowser: Readable) {
    let buf = Buffer.alloc(0);
    fromBrowser.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (let end = buf.indexOf(0); end >= 0; end = buf.indexOf(0)) {
        const msg = JSON.parse(buf.subarray(0, end).toString("utf8")) as CdpMessage;
        buf = buf.subarray(end + 1);
        this.dispatch(msg);
      }
    });
    fromBrowser.on("close", () => this.fail(new Error("Chromium closed its debugging pipe")));
    toBrowser.on("error", (e) => this.fail(e));
  }

  fail(e: Error): void {
    this.closed ??= e;
    for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${e.message}`));
    this.pending.clear();
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error(`${method}: ${this.closed.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(listener: (m: CdpMessage) => void): void {
    this.listeners.push(listener);
  }

  private dispatch(msg: CdpMessage): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p?.resolve(msg.result ?? {});
      return;
    }
    for (const l of this.listeners) l(msg);
  }
}

const consoleText = (args: unknown): string =>
  ((args as { value?: unknown; description?: string; type: string }[] | undefined) ?? []).map((a) => (a.value !== undefined ? String(a.value) : a.description ?? a.type)).join(" ");

/** Loads htmlFile in headless Chromium and reports its messages, the inspection and (optionally) a screenshot. */
export async function loadPage<T>(htmlFile: string, opts: LoadOptions): Promise<LoadedPage<T>> {
  const { width = 1400, height = 3000, timeoutMs = 60_000 } = opts;
  const bin = await chromiumBinary();
  const profile = mkdtempSync(join(tmpdir(), "kuh-chromium-"));
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stage = "starting Chromium";
  try {
    child = spawn(bin, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
    const cdp = new CdpPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
    const exited = new Promise<never>((_, reject) => child!.on("exit", (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) while ${stage}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`))));
    exited.catch(() => undefined); // raced below; Chromium's exit after Browser.close is expected
    const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`Chromium did not finish within ${timeoutMs} ms while ${stage}`)), timeoutMs); });
    const step = <R>(what: string, p: Promise<R>): Promise<R> => { stage = what; return Promise.race([p, exited, deadline]); };

    const messages: PageMessage[] = [];
    let loaded: () => void = () => undefined;
    const loadFired = new Promise<void>((resolve) => { loaded = resolve; });
    cdp.on((m) => {
      const p = m.params ?? {};
      if (m.method === "Runtime.consoleAPICalled") messages.push({ source: "console", level: String(p.type), text: consoleText(p.args) });
      if (m.method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
        messages.push({ source: "exception", level: "error", text: d.exception?.description ?? d.text });
      }
      if (m.method === "Log.entryAdded") {
        const e = p.entry as { source: string; level: string; text: string; url?: string };
        messages.push({ source: e.source, level: e.level, text: e.url ? `${e.text} (${e.url})` : e.text });
      }
      if (m.method === "Page.loadEventFired") loaded();
    });

    const { targetId } = await step("opening a tab", cdp.send("Target.createTarget", { url: "about:blank" }));
    const { sessionId } = await step("attaching to the tab", cdp.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const send = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> => step(method, cdp.send(method, params, sessionId));
    for (const domain of ["Page", "Runtime", "Log"]) await send(`${domain}.enable`);
    await send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    const nav = await send("Page.navigate", { url: pathToFileURL(htmlFile).href });
    if (nav.errorText) throw new Error(`Chromium could not open ${htmlFile}: ${String(nav.errorText)}`);
    await step("waiting for the load event", loadFired);
    const evaluated = await send("Runtime.evaluate", { expression: opts.inspect, returnByValue: true });
    const thrown = evaluated.exceptionDetails as { text: string; exception?: { description?: string } } | undefined;
    if (thrown) throw new Error(`the inspection threw in the page: ${thrown.exception?.description ?? thrown.text}`);
    if (opts.png) {
      const shot = await send("Page.captureScreenshot", { format: "png" });
      writeFileSync(opts.png, Buffer.from(String(shot.data), "base64"));
    }
    await step("closing Chromium", cdp.send("Browser.close")).catch(() => undefined);
    const errors = messages.filter((m) => m.level === "error");
    return { messages, errors, inspected: (evaluated.result as { value: T }).value };
  } finally {
    clearTimeout(timer);
    if (child) await stopped(child);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Waits for Chromium to exit (it writes to its profile until then): 5 s after Browser.close, then SIGKILL. */
async function stopped(child: ChildProcess): Promise<void> {
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  if (gone()) return;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([exit, new Promise<void>((resolve) => { grace = setTimeout(resolve, 5_000); })]);
  clearTimeout(grace);
  if (!gone()) {
    child.kill("SIGKILL");
    await exit;
  }
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (buf.subarray(1, 4).toString("ascii") !== "PNG") throw new Error("not a PNG");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
