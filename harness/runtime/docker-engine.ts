// Finds a Docker engine, or on a Debian machine where we are root, installs and starts one.
import { existsSync, mkdirSync, openSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { EnvironmentError } from "../errors.ts";
import { exec, onPath } from "./exec.ts";

export interface EngineStatus {
  readonly serverVersion: string;
  readonly action: "present" | "started" | "installed and started";
}

const HOW_TO = "install Docker (https://docs.docker.com/engine/install/) and start it, or run the lab as root on Debian so it can install docker.io";

export async function engineVersion(): Promise<string | null> {
  const r = await exec("docker", ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 15_000 });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

const canInstall = (): boolean => process.getuid?.() === 0 && existsSync("/etc/debian_version");

/** Debian packages the lab needs on the host; optional ones only serve the harness's own tests. */
export const HOST_PACKAGES = [
  { command: "dockerd", pkg: "docker.io", required: true },
  { command: "debootstrap", pkg: "debootstrap", required: true },
  { command: "chromium", pkg: "chromium", required: false },
] as const;

export async function installHostPackages(log: (line: string) => void): Promise<string[]> {
  const missing: (typeof HOST_PACKAGES)[number][] = [];
  for (const p of HOST_PACKAGES) if (!(await onPath(p.command))) missing.push(p);
  if (missing.length === 0) return [];
  if (!canInstall()) {
    const required = missing.filter((p) => p.required).map((p) => p.pkg);
    if (required.length) throw new EnvironmentError(`missing host packages: ${required.join(", ")}`, { hint: HOW_TO });
    log(`Not installing ${missing.map((p) => p.pkg).join(", ")} (not root on Debian): only the report screenshot tests need it`);
    return [];
  }
  const names = missing.map((p) => p.pkg);
  log(`Installing Debian packages ${names.join(", ")} (apt-get)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = await exec("apt-get", ["update", "-q"], { env, timeoutMs: 600_000 });
  if (update.exitCode !== 0) throw new EnvironmentError(`apt-get update failed: ${update.stderr.trim().split("\n").pop()}`, { hint: HOW_TO });
  const install = await exec("apt-get", ["install", "-y", "-q", ...names], { env, timeoutMs: 900_000 });
  if (install.exitCode !== 0) throw new EnvironmentError(`apt-get install ${names.join(" ")} failed: ${install.stderr.trim().split("\n").pop()}`, { hint: HOW_TO });
  log(`Installed ${names.join(", ")}`);
  return names;
}

export async function ensureEngine(logDir: string, log: (line: string) => void): Promise<EngineStatus> {
  const running = await engineVersion();
  if (running) return { serverVersion: running, action: "present" };
  if (!canInstall()) throw new EnvironmentError("no Docker engine answers `docker info`", { hint: HOW_TO });
  const installed = (await installHostPackages(log)).includes("docker.io");
  log("Starting dockerd...");
  mkdirSync(logDir, { recursive: true });
  const out = openSync(join(logDir, "dockerd.log"), "a");
  // Detached so the engine outlives this process, as an engine started by systemd would.
  spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] }).unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const version = await engineVersion();
    if (version) {
      log(`Started dockerd ${version}`);
      return { serverVersion: version, action: installed ? "installed and started" : "started" };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new EnvironmentError(`dockerd did not answer within 60000ms (log: ${join(logDir, "dockerd.log")})`, { hint: HOW_TO });
}
