// Runs the real CLI as a child process, the way users and pipelines run it.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

export interface CliResult { readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly ms: number }

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/kong-upgrade-harness.mjs"), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: Date.now() - started }); });
  });
}
