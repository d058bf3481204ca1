// Route paths across the 3.0 boundary. Before 3.0 Kong's router treats a path as a regex when it
// holds any character outside [a-zA-Z0-9.-_~/%] (kong/router.lua @2.8.5, `is_prefix`); from 3.0 a
// regex path must say so with a leading `~`. Kong 3.x converts the paths of a "1.1" or "2.1"
// declarative file as its 2.8->3.0 database migration does (kong/db/declarative/migrations/route_path.lua
// calling kong/db/migrations/migrate_path_280_300.lua @3.0.1): a regex path gets `~` and has its
// percent-encoded characters decoded (regex metacharacters escaped, reserved ones kept encoded); a
// plain path is normalized (unreserved percent-encodings decoded, dot segments removed, `//` merged,
// kong/tools/uri.lua `normalize(path, true)`). This module computes the same result.

/** Kong's characters of a plain (prefix) path; anything else makes a pre-3.0 path a regex. PCRE's `$` also matches before a final newline. */
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*\n?$/;

/** True when Kong before 3.0 reads `path` as a regex. */
export const isRegexPath = (path: string): boolean => !PLAIN_PATH.test(path);

/** RFC 3986 reserved characters: kept percent-encoded (in upper case) by Kong's normalization. */
const RESERVED = new Set("!*'();:@&=+$,/?%#[]".split("").map((c) => c.charCodeAt(0)));
/** Characters the regex conversion decodes escaped, because they mean something in a regex (the reserved ones stay encoded). */
const REGEX_META = new Set(".^-{}\\|".split("").map((c) => c.charCodeAt(0)));

/**
 * Kong works on bytes: decode percent-triplets over the path's UTF-8 bytes (as latin1 text) and
 * read the result back as UTF-8.
 */
function onBytes(path: string, decode: (byte: number, triplet: string) => string): string {
  const bytes = Buffer.from(path, "utf8").toString("latin1");
  const out = bytes.replace(/%([0-9a-f]{2})/gi, (triplet: string, hex: string) => decode(parseInt(hex, 16), triplet));
  return Buffer.from(out, "latin1").toString("utf8");
}

/** kong/tools/uri.lua `normalize(uri, merge_slashes = true)`. */
export function normalizePath(uri: string): string {
  if (uri === "" || uri === "/") return uri;
  if (uri.includes("%")) uri = onBytes(uri, (byte, triplet) => (RESERVED.has(byte) ? triplet.toUpperCase() : String.fromCharCode(byte)));
  if (!uri.includes(".") && !uri.includes("//")) return uri;

  const segments: string[] = [];
  while (uri.length > 0) {
    if (uri === "/.") uri = "/";
    else if (uri === "/..") { uri = "/"; segments.pop(); }
    else if (uri === "." || uri === "..") uri = "";
    else if (uri.startsWith("../")) uri = uri.slice(3);
    else if (uri.startsWith("./")) uri = uri.slice(2);
    else if (uri.startsWith("/./")) uri = uri.slice(2);
    else if (uri.startsWith("/../")) { uri = uri.slice(3); segments.pop(); }
    else if (uri.startsWith("//")) uri = uri.slice(1);
    else {
      const next = uri.indexOf("/", 1);
      segments.push(next === -1 ? uri : uri.slice(0, next));
      uri = next === -1 ? "" : uri.slice(next);
    }
  }
  return segments.join("");
}

/** migrate_path_280_300.lua `normalize_regex`: decode what a regex can read decoded. */
function normalizeRegex(regex: string): string {
  if (!regex.includes("%")) return regex;
  return onBytes(regex, (byte, triplet) => {
    if (RESERVED.has(byte)) return triplet.toUpperCase();
    const chr = String.fromCharCode(byte);
    return REGEX_META.has(byte) ? `\\${chr}` : chr;
  });
}

/** What Kong 3.x makes of a path from a "1.1" or "2.1" file: `~` + the regex, or the normalized plain path. */
export function kong3Path(path: string): string {
  return isRegexPath(path) ? `~${normalizeRegex(path)}` : normalizePath(path);
}
