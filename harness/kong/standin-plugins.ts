// Which plugins a stand-in image runs like Kong: the list its recipe puts in the image label
// org.kong-upgrade-harness.standin-plugins (derived from standin/src/catalogue/modelled-plugins.ts).
// A stand-in run whose configuration names any other plugin is refused before anything starts: the
// stand-in would store such a plugin but never run it, and the run would qualify nothing.
import { isStandinImage } from "./kong-image.ts";

export const STANDIN_PLUGINS_LABEL = "org.kong-upgrade-harness.standin-plugins";

/** The plugins an image's label lists, or undefined when it has no such label (real Kong, an older stand-in). */
export function modelledPlugins(labels: Readonly<Record<string, string>>): string[] | undefined {
  const value = labels[STANDIN_PLUGINS_LABEL];
  if (value === undefined) return undefined;
  return value.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * One line when a stand-in image would not run some of `pluginNames` (named by `source`, the
 * configuration file) like Kong; undefined when it runs them all, or when the image is not a stand-in.
 */
export function unmodelledPluginsProblem(imageRef: string, labels: Readonly<Record<string, string>>, pluginNames: readonly string[], source?: string): string | undefined {
  if (!isStandinImage(labels)) return undefined;
  const names = [...new Set(pluginNames)];
  if (names.length === 0) return undefined;
  const usedBy = source ? ` used by ${source}` : "";
  const modelled = modelledPlugins(labels);
  if (modelled === undefined) {
    return `${imageRef} carries no list of the plugins it models (label ${STANDIN_PLUGINS_LABEL}), so plugins ${names.join(", ")}${usedBy} cannot be checked: `
      + "rebuild the stand-in images with `npx kong-upgrade-harness lab`, or run with real Kong images (--old/--new <your registry>/kong:<version>)";
  }
  const missing = names.filter((p) => !modelled.includes(p));
  if (missing.length === 0) return undefined;
  return `${imageRef} does not model ${missing.length === 1 ? "plugin" : "plugins"} ${missing.join(", ")}${usedBy}: the stand-in would not run `
    + `${missing.length === 1 ? "it" : "them"} like Kong; run with real Kong images (--old/--new <your registry>/kong:<version>) or remove ${missing.length === 1 ? "it" : "them"} from the configuration`;
}
