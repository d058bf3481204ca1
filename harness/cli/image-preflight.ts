// The images a command runs, checked before anything starts: options only a stand-in takes are
// refused on a real image (read from its label, nothing pulled), and each image must be present
// here or pullable. Nothing is started and nothing is written; a problem is one line saying what
// to do. Synchronous, so a scenario file can be checked while it loads (runOptions), before it
// builds its run.
import { spawnSync } from "node:child_process";
import { InvalidConfigError } from "../errors.ts";
import { isStandinImage, STANDIN_HINT } from "../kong/kong-image.ts";
import { standinOnlyProblems } from "../scenario/standin-only-options.ts";

const STANDIN_PREFIX = "kong-standin:";
const BUILD_STANDINS = "the lab builds the stand-in images: run `npx kong-upgrade-harness lab` (versions: standin/README.md)";
/** A pull this slow is a registry that answers, slowly; one that cannot be reached answers at once. */
const PULL_TIMEOUT_MS = 600_000;

export function labelsOf(ref: string): Readonly<Record<string, string>> | null {
  const r = spawnSync("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", ref], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return null;
  return (JSON.parse(r.stdout) as Record<string, string> | null) ?? {};
}

/**
 * Whether an image is here, pulling it when it is not; a stand-in image is never pulled: it
 * exists nowhere but where the lab built it.
 */
function presentOrPulled(ref: string): boolean {
  if (labelsOf(ref) !== null) return true;
  if (ref.startsWith(STANDIN_PREFIX)) return false;
  return spawnSync("docker", ["pull", "--quiet", ref], { stdio: "ignore", timeout: PULL_TIMEOUT_MS }).status === 0 && labelsOf(ref) !== null;
}

/**
 * Throws InvalidConfigError naming every image that is neither present nor pullable, with the way
 * out: the lab for a stand-in image, the stand-in images for any other.
 */
export function requireImages(refs: readonly string[]): void {
  const missing = [...new Set(refs)].filter((ref) => !presentOrPulled(ref));
  if (missing.length === 0) return;
  const standinOnly = missing.every((ref) => ref.startsWith(STANDIN_PREFIX));
  throw new InvalidConfigError(missing.map((ref) => `image "${ref}" is not present and could not be pulled`), { hint: standinOnly ? BUILD_STANDINS : STANDIN_HINT });
}

type ImagePair = { readonly old: string; readonly new: string };

/**
 * The images of one run, or of every hop of a path, before anything starts: `--faults` aimed at a
 * real Kong image first (nothing pulled for an option refused anyway), then each image present or
 * pullable; every problem of a kind at once.
 */
export function requireRunImages(faults: Readonly<Record<string, string>>, images: ImagePair | readonly ImagePair[]): void {
  const pairs: readonly ImagePair[] = Array.isArray(images) ? images : [images as ImagePair];
  const kind = (ref: string): { ref: string; standin: boolean } => ({ ref, standin: isStandinImage(labelsOf(ref) ?? {}) });
  const refused = pairs.flatMap((p) => standinOnlyProblems(faults, { old: kind(p.old), new: kind(p.new) }));
  if (refused.length) throw new InvalidConfigError([...new Set(refused)]);
  requireImages(pairs.flatMap((p) => [p.old, p.new]));
}
