// `kong health` (kong/cmd/health.lua): only checks that the nginx pid in the prefix is alive; it
// never contacts the database.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Args } from "./args.ts";
import { kongEnv } from "./context.ts";
import { KongCliError, type Log } from "./log.ts";

export const pidFile = (prefix: string): string => join(prefix, "pids", "nginx.pid");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

export function healthCommand(args: Args, env: NodeJS.ProcessEnv, log: Log): number {
  const { prefix } = kongEnv(env, args).config;
  if (!existsSync(prefix)) throw new KongCliError(`no such prefix: ${prefix}`);
  const file = pidFile(prefix);
  const pid = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) throw new KongCliError(`Kong is not running at ${prefix}`);
  log.info("nginx.......running");
  log.info("");
  log.info(`Kong is healthy at ${prefix}`);
  return 0;
}
