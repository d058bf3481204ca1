// What the last `lab` run resolved: which image reference and which binary to use for each
// component. Written by the lab to .lab/state.json; read by everything that starts containers.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EnvironmentError } from "../errors.ts";

export type ComponentSource = "present" | "pulled" | "built";

export interface ResolvedComponent {
  readonly id: string;
  readonly version: string;
  readonly source: ComponentSource;
  /** Image reference to run (images). */
  readonly ref?: string;
  /** Absolute path of the binary (tools). */
  readonly binary?: string;
  readonly recipeHash?: string;
}

export interface LabState { readonly components: Readonly<Record<string, ResolvedComponent>> }

export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");
export const LAB_DIR = process.env.KUH_LAB_DIR ? resolve(process.env.KUH_LAB_DIR) : join(PROJECT_ROOT, ".lab");
export const LAB_STATE_FILE = join(LAB_DIR, "state.json");

export function readLabState(): LabState {
  if (!existsSync(LAB_STATE_FILE)) return { components: {} };
  return JSON.parse(readFileSync(LAB_STATE_FILE, "utf8")) as LabState;
}

// The environment lacks it: a run that meets this did not judge the upgrade (verdict "error").
const notReady = (id: string): EnvironmentError =>
  new EnvironmentError(`lab component "${id}" is not ready`, { hint: "run `npx kong-upgrade-harness lab` first" });

/** The image reference the lab resolved for a component. */
export function labImage(id: string): string {
  const ref = readLabState().components[id]?.ref;
  if (!ref) throw notReady(id);
  return ref;
}

/** The absolute path of a tool binary the lab built. */
export function labTool(id: string): string {
  const binary = readLabState().components[id]?.binary;
  if (!binary || !existsSync(binary)) throw notReady(id);
  return binary;
}
