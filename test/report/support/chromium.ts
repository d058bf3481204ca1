// Headless Chromium (Debian's `chromium`) for report screenshots, with the flags these machines need.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function chromiumBinary(): Promise<string> {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      await run("sh", ["-c", `command -v ${name}`]);
      return name;
    } catch { /* try the next name */ }
  }
  throw new Error("chromium is not installed: run `npx kong-upgrade-harness lab` as root on Debian (it installs Debian's chromium) or `apt-get install -y chromium`");
}

/** Screenshots a local HTML file into png (width x height viewport); returns Chromium's output. */
export async function screenshot(htmlFile: string, png: string, width = 1400, height = 3000): Promise<string> {
  const bin = await chromiumBinary();
  const profile = mkdtempSync(join(tmpdir(), "kuh-chromium-"));
  try {
    const { stdout, stderr } = await run(bin, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, `--screenshot=${png}`, `--window-size=${width},${height}`,
      pathToFileURL(htmlFile).href,
    ], { timeout: 60_000 });
    return stdout + stderr;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (buf.subarray(1, 4).toString("ascii") !== "PNG") throw new Error("not a PNG");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
