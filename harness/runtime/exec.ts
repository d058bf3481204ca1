// Runs a host command and returns its whole result; a non-zero exit is data, not an exception.
import { spawn } from "node:child_process";
import type { ExecResult } from "../errors.ts";

export interface ExecOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly input?: string;
  /** Called with each chunk of combined output, e.g. to write a build log. */
  readonly onOutput?: (chunk: Buffer) => void;
}

export function exec(command: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  const shown = [command, ...args].join(" ");
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, signal: opts.signal, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.stdout.on("data", (c: Buffer) => { out.push(c); opts.onOutput?.(c); });
    child.stderr.on("data", (c: Buffer) => { err.push(c); opts.onOutput?.(c); });
    const finish = (exitCode: number, extra = ""): void => {
      if (timer) clearTimeout(timer);
      resolve({ command: shown, exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + extra, durationMs: Date.now() - started });
    };
    child.on("error", (e) => finish(127, e.message));
    child.on("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
    // A command that exits without reading its input closes the pipe: that is not an error here.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** True when the command exists on PATH. */
export async function onPath(command: string): Promise<boolean> {
  return (await exec("sh", ["-c", `command -v ${command}`])).exitCode === 0;
}
