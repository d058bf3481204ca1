// The version ranges of an accept file (`--accept`): a small syntax for the Kong versions an
// acknowledged finding applies to.
//
//   range       := alternative ("||" alternative)*        any alternative holds
//   alternative := comparator (" " comparator)*           every comparator holds
//   comparator  := [op] version                           op: >= > <= < = (none: =)
//   version     := N | N.N | N.N.N | N.N.N.N, or with x (or *) for the trailing parts: 2.x, 2.6.x
//
// A version with fewer than three numbers, or ending in x, stands for every release it starts:
// `2.6` = `2.6.x` = every 2.6 release; `<=2.8` includes 2.8.5; `>2.8` starts at 2.9.0; `<3.0` ends
// before 3.0.0. A full version (2.6.0) is that release alone. Versions compare number by number,
// missing numbers being 0 (Kong Enterprise's 2.8.4.1 is after 2.8.4).

export type Version = readonly number[];

interface Comparator { readonly test: (v: Version) => boolean }

export interface VersionRange {
  /** As written in the file. */
  readonly text: string;
  readonly alternatives: readonly (readonly Comparator[])[];
}

const WIDTH = 4;
const pad = (v: Version): number[] => Array.from({ length: WIDTH }, (_, i) => v[i] ?? 0);

export function compareVersions(a: Version, b: Version): number {
  const x = pad(a);
  const y = pad(b);
  for (let i = 0; i < WIDTH; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The leading numbers of a version a report names ("2.6.0", "3.0.0-rc.1" -> [3,0,0]); null when there are none. */
export function parseVersion(text: string | null | undefined): Version | null {
  const m = /^\s*v?(\d+(?:\.\d+){0,3})/.exec(text ?? "");
  return m ? m[1]!.split(".").map(Number) : null;
}

const COMPARATOR = /^(>=|<=|>|<|=)?(.+)$/;

/** One comparator, or a message saying what is wrong with it. */
function comparator(token: string): Comparator | string {
  const [, op = "=", version] = COMPARATOR.exec(token)!;
  const parts = version!.split(".");
  if (parts.length > WIDTH || parts.some((p) => !/^(\d+|[xX*])$/.test(p))) return `"${token}" is not a version (numbers and x separated by dots, e.g. 2.6.0 or 2.6.x)`;
  const firstWild = parts.findIndex((p) => !/^\d+$/.test(p));
  if (firstWild >= 0 && parts.slice(firstWild).some((p) => /^\d+$/.test(p))) return `"${token}": x may stand only for the last parts (2.x, 2.6.x)`;
  const numbers = (firstWild < 0 ? parts : parts.slice(0, firstWild)).map(Number);
  const partial = firstWild >= 0 || numbers.length < 3;
  if (numbers.length === 0) return op === "=" ? { test: () => true } : `"${token}": ${op} needs a version`;
  if (!partial) {
    const tests: Record<string, (c: number) => boolean> = { ">=": (c) => c >= 0, ">": (c) => c > 0, "<=": (c) => c <= 0, "<": (c) => c < 0, "=": (c) => c === 0 };
    return { test: (v) => tests[op]!(compareVersions(v, numbers)) };
  }
  // A partial version is the interval [lower, upper) of every release it starts.
  const lower = numbers;
  const upper = [...numbers.slice(0, -1), numbers.at(-1)! + 1];
  const tests: Record<string, (v: Version) => boolean> = {
    ">=": (v) => compareVersions(v, lower) >= 0, "<": (v) => compareVersions(v, lower) < 0,
    "<=": (v) => compareVersions(v, upper) < 0, ">": (v) => compareVersions(v, upper) >= 0,
    "=": (v) => compareVersions(v, lower) >= 0 && compareVersions(v, upper) < 0,
  };
  return { test: tests[op]! };
}

/** Parses a range; a string result says what is wrong (for the accept file's one-line error). */
export function parseRange(text: string): VersionRange | string {
  if (text.trim() === "") return "is empty";
  const alternatives: Comparator[][] = [];
  for (const alt of text.split("||")) {
    // ">= 2.1" is read as ">=2.1": an operator may stand apart from its version.
    const tokens = alt.trim().replace(/(>=|<=|>|<|=)\s+/g, "$1").split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return `"${text}" has an empty alternative around ||`;
    const comparators: Comparator[] = [];
    for (const t of tokens) {
      const c = comparator(t);
      if (typeof c === "string") return c;
      comparators.push(c);
    }
    alternatives.push(comparators);
  }
  return { text, alternatives };
}

export const inRange = (range: VersionRange, v: Version): boolean => range.alternatives.some((alt) => alt.every((c) => c.test(v)));
