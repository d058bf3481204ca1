// Kong release versions as the plan reads them: `2.6.0` (a release) or `2.5.x` (any patch of a
// series). Pure: parsing, ordering and the release line the plan knows about.

/** A Kong version: `patch` is undefined for a series written `MAJOR.MINOR.x`. */
export interface KongVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number | undefined;
}

/** The last minor release of each major line the plan knows (0.x: 0.15, the last 0.x release). */
export const LAST_MINOR: Readonly<Record<number, number>> = { 0: 15, 1: 5, 2: 8, 3: 9 };

const FORMAT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3}|x)$/;

/** Parses `MAJOR.MINOR.PATCH` or `MAJOR.MINOR.x`; undefined for anything else. */
export function parseVersion(text: string): KongVersion | undefined {
  const m = FORMAT.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === "x" ? undefined : Number(m[3]) };
}

export const v = (text: string): KongVersion => {
  const parsed = parseVersion(text);
  if (!parsed) throw new RangeError(`not a Kong version: ${text}`);
  return parsed;
};

/** Why a well-formed version is not a Kong release the plan knows, or undefined when it is one. */
export function unknownRelease(ver: KongVersion): string | undefined {
  const last = LAST_MINOR[ver.major];
  if (last === undefined) {
    const known = Object.keys(LAST_MINOR).map((k) => `${k}.x`).join(", ");
    return `Kong ${ver.major}.${ver.minor} is not a release this plan knows (it knows ${known}, up to ${maxMajor()}.${LAST_MINOR[maxMajor()]})`;
  }
  if (ver.minor > last) return `Kong ${ver.major}.${ver.minor} was never released (${ver.major}.x ends at ${ver.major}.${last})`;
  return undefined;
}

const maxMajor = (): number => Math.max(...Object.keys(LAST_MINOR).map(Number));

/** Orders versions; a series (`2.5.x`) sorts as its lowest patch, so it is below `2.5.1`. */
export function compareVersions(a: KongVersion, b: KongVersion): number {
  return a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
}

export const sameSeries = (a: KongVersion, b: KongVersion): boolean => a.major === b.major && a.minor === b.minor;

/** True when `ver` is at least `min`. A series counts as its lowest patch. */
export const atLeast = (ver: KongVersion, min: string): boolean => compareVersions(ver, v(min)) >= 0;

/** True when `ver` is below `bound`. A series is below `bound` only when all of its patches are. */
export const below = (ver: KongVersion, bound: string): boolean => compareVersions(ver, v(bound)) < 0 && !seriesReaches(ver, v(bound));

/** `2.8.x` reaches `2.8.2` (some of its patches are at or above it). */
const seriesReaches = (ver: KongVersion, bound: KongVersion): boolean => ver.patch === undefined && sameSeries(ver, bound) && bound.patch !== undefined;

export const formatVersion = (ver: KongVersion): string => `${ver.major}.${ver.minor}.${ver.patch ?? "x"}`;
