// Which Kong image a run uses, what version it is, and whether it is the project's stand-in.
// An image that is neither present nor pullable is an input error that names the way out.
import { InvalidConfigError } from "../errors.ts";
import { inspectImage, tryPull } from "../runtime/docker-images.ts";
import { runOneShot } from "../runtime/one-shot.ts";

export const STANDIN_LABEL = "org.kong-upgrade-harness.standin";
export const STANDIN_VERSION_LABEL = "org.kong-upgrade-harness.kong-version";

export interface KongImage {
  readonly ref: string;
  readonly id: string;
  readonly version: string;
  /** True for `kong-standin:` images: the project's model of Kong, not Kong. */
  readonly standin: boolean;
  readonly pulled: boolean;
  /** The image's labels (a stand-in's say which plugins it models). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Whether an image's labels mark it as the project's stand-in. */
export const isStandinImage = (labels: Readonly<Record<string, string>>): boolean => labels[STANDIN_LABEL] === "true";

export const STANDIN_HINT = "this machine cannot pull it; run against the project's stand-in images instead, e.g. --old kong-standin:1.5.1 --new kong-standin:2.6.0 (see README, \"Kong stand-in images\")";

export async function resolveKongImage(ref: string): Promise<KongImage> {
  let info = await inspectImage(ref);
  let pulled = false;
  if (!info) {
    if (await tryPull(ref)) {
      pulled = true;
      info = await inspectImage(ref);
    }
    if (!info) throw new InvalidConfigError([`image "${ref}" is not present and could not be pulled`], { hint: STANDIN_HINT });
  }
  const standin = isStandinImage(info.labels);
  const version = info.labels[STANDIN_VERSION_LABEL] ?? (await versionOf(ref));
  return { ref, id: info.id, version, standin, pulled, labels: info.labels };
}

/** `kong version` prints the bare version (e.g. `2.6.0`); older images may prefix `Kong `. */
async function versionOf(ref: string): Promise<string> {
  const r = await runOneShot({ image: ref, command: ["kong", "version"], env: {}, timeoutMs: 60_000 });
  const m = /(\d+\.\d+\.\d+)/.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new InvalidConfigError([`image "${ref}" does not answer \`kong version\` like a Kong image (exit ${r.exitCode})`]);
  return m[1]!;
}
