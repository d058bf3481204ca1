// `--config FILE` checked with the run's images, before anything starts: the file read against
// the old image's Kong version (malformed, a format or a field that version does not know), and,
// on a stand-in image, every plugin it names modelled by that stand-in. One line per problem, exit
// 2, no report folder, no container. Synchronous, like the image pre-flight it runs after.
import { spawnSync } from "node:child_process";
import { loadConfig } from "../config/declarative.ts";
import { ofKind, type KongConfig } from "../config/model.ts";
import { configProbes } from "../config/config-probes.ts";
import { compileProfile, profileProbes } from "../load/profile.ts";
import type { LoadedProfile } from "../load/profile-file.ts";
import { SEED_PROBES } from "../scenario/seed.ts";
import { InvalidConfigError } from "../errors.ts";
import { isStandinImage, STANDIN_VERSION_LABEL } from "../kong/kong-image.ts";
import { unmodelledPluginsProblem } from "../kong/standin-plugins.ts";
import { labelsOf } from "./image-preflight.ts";

/** The Kong version of an image that is here: a stand-in's label, else `kong version` in a throwaway container. */
function kongVersionOf(ref: string, labels: Readonly<Record<string, string>>): string {
  const labelled = labels[STANDIN_VERSION_LABEL];
  if (labelled) return labelled;
  const r = spawnSync("docker", ["run", "--rm", "--entrypoint", "kong", ref, "version"], { encoding: "utf8", timeout: 120_000 });
  const m = /(\d+\.\d+\.\d+)/.exec(r.stdout ?? "");
  if (r.status !== 0 || !m) throw new InvalidConfigError([`image "${ref}" does not answer \`kong version\` like a Kong image (exit ${r.status})`]);
  return m[1]!;
}

export function requireConfigFits(file: string, images: { readonly old: string; readonly new: string }): KongConfig {
  const oldLabels = labelsOf(images.old) ?? {};
  const config = loadConfig(file, kongVersionOf(images.old, oldLabels));
  const plugins = [...new Set(ofKind(config, "plugins").map((p) => String(p.fields.name)))].sort();
  const problems = [...new Set([images.old, images.new].flatMap((ref) => {
    const labels = ref === images.old ? oldLabels : labelsOf(ref) ?? {};
    return isStandinImage(labels) ? unmodelledPluginsProblem(ref, labels, plugins, file) ?? [] : [];
  }))];
  if (problems.length) throw new InvalidConfigError(problems);
  return config;
}

/**
 * A load profile compiled against the probes the run will have (the configuration's, or the
 * built-in ones, and a replay's own), before anything starts: an entry that picks no probe is
 * refused now, not after the old cluster was set up.
 */
export function requireLoadFits(load: LoadedProfile, config: KongConfig | undefined, rate: number): void {
  const probes = [...(config ? configProbes(config).probes : SEED_PROBES), ...profileProbes(load.profile)];
  try {
    compileProfile(load.profile, { probes, rate }, "http://127.0.0.1");
  } catch (err) {
    if (err instanceof InvalidConfigError) throw new InvalidConfigError(err.problems.map((p) => `--load ${load.file}: ${p}`));
    throw err;
  }
}
