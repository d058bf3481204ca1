// `--load FILE`: a load profile is a TypeScript module whose default export is made with
// defineProfile (profile.ts). It is loaded before anything starts, so a missing file, a module that
// does not load or an export that is not a profile is a one-line input error (exit 2).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { InvalidConfigError } from "../errors.ts";
import type { LoadProfile } from "./profile.ts";

const HINT = "a load profile is a module under load/ whose default export is defineProfile({...}) (load/README.md); e.g. --load load/default.ts";

export interface LoadedProfile { readonly file: string; readonly profile: LoadProfile }

export async function readLoadProfile(given: string): Promise<LoadedProfile> {
  const file = resolve(given);
  if (!existsSync(file)) throw new InvalidConfigError([`--load "${given}" does not exist`], { hint: HINT });
  let mod: { default?: unknown };
  try {
    // As an ES module wherever it lives: a profile outside the project has no package.json saying so.
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (err) {
    throw new InvalidConfigError([`--load "${given}" could not be loaded: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`], { hint: HINT });
  }
  // Outside a "type": "module" package the file is compiled as CommonJS: its default export arrives one level down.
  const exported = mod.default as { default?: unknown; name?: unknown } | undefined;
  const p = (exported && typeof exported === "object" && !("name" in exported) && "default" in exported ? exported.default : exported) as Partial<LoadProfile> | undefined;
  if (!p || typeof p !== "object" || typeof p.name !== "string") {
    throw new InvalidConfigError([`--load "${given}" has no profile as its default export`], { hint: HINT });
  }
  return { file: given, profile: p as LoadProfile };
}
