// Error-log lines shaped like nginx/Kong's (`2024/05/01 12:00:00 [warn] 1#0: message`) on stderr,
// and optional access-log lines on stdout (KONG_STANDIN_ACCESS_LOG=on; off by default to keep the
// proxy path cheap).
const pad = (n: number): string => String(n).padStart(2, "0");

function stamp(d = new Date()): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export type Level = "error" | "warn" | "notice" | "info";

export function log(level: Level, message: string): void {
  process.stderr.write(`${stamp()} [${level}] ${process.pid}#0: ${message}\n`);
}

export const accessLogEnabled = process.env.KONG_STANDIN_ACCESS_LOG === "on";

export function accessLog(remote: string, method: string, url: string, status: number): void {
  process.stdout.write(`${remote} - - [${new Date().toISOString()}] "${method} ${url} HTTP/1.1" ${status} - "-" "-"\n`);
}
