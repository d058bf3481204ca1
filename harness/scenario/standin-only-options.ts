// Options only the project's stand-in understands. `--faults` sets KONG_STANDIN_FAULTS, which real
// Kong ignores: on a real image such a run would be a clean run that looks like a fault run. So it is
// refused, naming the option and the image, before anything starts (no pull, no container). An
// image is a stand-in when it carries the stand-in label (kong-image.ts); stand-in images are built
// by the lab on this machine, so an image that is not here is not one.
import { isStandinImage, type KongImage } from "../kong/kong-image.ts";
import { inspectImage } from "../runtime/docker-images.ts";

export type ImageKind = Pick<KongImage, "ref" | "standin">;

/** Whether `ref` is a stand-in image present here, read from its label without pulling anything. */
export async function imageKind(ref: string): Promise<ImageKind> {
  const info = await inspectImage(ref);
  return { ref, standin: info ? isStandinImage(info.labels) : false };
}

/** Which image a `--faults` key acts on: blue, blue-1, blue-cold, blue-after-finish -> old; green, green-2 -> new. */
function imagesOfFaultKey(key: string, images: { readonly old: ImageKind; readonly new: ImageKind }): ImageKind[] {
  if (key === "blue" || key.startsWith("blue-")) return [images.old];
  if (key === "green" || key.startsWith("green-")) return [images.new];
  return [images.old, images.new];
}

/** One line per `--faults` entry aimed at a real Kong image; empty when every entry reaches a stand-in. */
export function standinOnlyProblems(faults: Readonly<Record<string, string>>, images: { readonly old: ImageKind; readonly new: ImageKind }): string[] {
  const problems: string[] = [];
  for (const [key, switches] of Object.entries(faults)) {
    for (const image of imagesOfFaultKey(key, images).filter((i) => !i.standin)) {
      problems.push(`--faults "${key}=${switches}" works only on the project's stand-in images, but ${key} runs ${image.ref}, which is not one (real Kong ignores the stand-in's fault switches): `
        + "use kong-standin:<version> images, or a chaos scenario's real faults (node kill/stop/pause, network toxics, datastore restart)");
    }
  }
  return [...new Set(problems)];
}
