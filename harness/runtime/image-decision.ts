// How the lab obtains an image: use what is present, else pull the official image, else build it
// locally. Pure, so the rules are tested for machines that can pull as well as for this one.

export const RECIPE_LABEL = "org.kong-upgrade-harness.recipe";

export interface ImageFacts {
  /** Labels of the official image in the engine, or null when absent. */
  readonly official: Readonly<Record<string, string>> | null;
  /** Labels of the local build in the engine (under localRef), or null when absent or no localRef. */
  readonly local: Readonly<Record<string, string>> | null;
  readonly hasOfficialRef: boolean;
  readonly recipeHash: string;
}

export type ImageAction =
  | { readonly action: "use"; readonly which: "official" | "local"; readonly why: string }
  | { readonly action: "pull-else-build"; readonly why: string }
  | { readonly action: "build"; readonly why: string };

const isOurBuild = (labels: Readonly<Record<string, string>>): boolean => RECIPE_LABEL in labels;

export function decideImage(f: ImageFacts): ImageAction {
  if (f.official) {
    if (!isOurBuild(f.official)) return { action: "use", which: "official", why: "official image present" };
    if (f.official[RECIPE_LABEL] === f.recipeHash) return { action: "use", which: "official", why: "local build present, recipe unchanged" };
    return { action: "build", why: "recipe changed since the local build" };
  }
  if (f.local) {
    if (f.local[RECIPE_LABEL] === f.recipeHash) return { action: "use", which: "local", why: "local build present, recipe unchanged" };
    if (f.hasOfficialRef) return { action: "pull-else-build", why: "recipe changed; the official image may be pullable" };
    return { action: "build", why: "recipe changed since the local build" };
  }
  if (f.hasOfficialRef) return { action: "pull-else-build", why: "not present" };
  return { action: "build", why: "not present; no official image exists" };
}
