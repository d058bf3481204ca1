// The Admin API's access log, as Kong's nginx writes it: `access_log ${{ADMIN_ACCESS_LOG}};` in the
// admin server block with no format named, so nginx's predefined `combined` format, one line per
// request once the response is sent:
//   127.0.0.1 - - [06/Dec/2026:19:50:00 +0000] "POST /consumers HTTP/1.1" 201 187 "-" "undici"
// KONG_ADMIN_ACCESS_LOG names the target: `off`, `/dev/stdout`, `/dev/stderr` or a file (a format
// name after the path is ignored: the stand-in writes `combined` only). Unset, it is /dev/stdout, as
// the official Docker image sets it.
import { appendFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** nginx's $time_local: `06/Dec/2026:19:50:00 +0000` (the container's local time, UTC in the image). */
export function timeLocal(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** One `combined` line (without the newline). */
export function combinedLine(req: IncomingMessage, status: number, bodyBytes: number, at = new Date()): string {
  const header = (name: string): string => {
    const v = req.headers[name];
    return typeof v === "string" && v !== "" ? v.replace(/"/g, "\\x22") : "-";
  };
  const request = `${req.method ?? "-"} ${req.url ?? "/"} HTTP/${req.httpVersion}`;
  return `${req.socket.remoteAddress ?? "-"} - - [${timeLocal(at)}] "${request}" ${status} ${bodyBytes} "${header("referer")}" "${header("user-agent")}"`;
}

type Sink = ((line: string) => void) | undefined;

function sinkFor(setting: string | undefined): Sink {
  const target = (setting ?? "/dev/stdout").trim().split(/\s+/)[0] ?? "";
  if (target === "" || target === "off") return undefined;
  if (target === "/dev/stdout") return (line) => { process.stdout.write(`${line}\n`); };
  if (target === "/dev/stderr") return (line) => { process.stderr.write(`${line}\n`); };
  return (line) => { try { appendFileSync(target, `${line}\n`); } catch { /* nginx drops a line it cannot write */ } };
}

const sink = sinkFor(process.env.KONG_ADMIN_ACCESS_LOG);

/** Logs one answered Admin API request, as nginx's log phase does after the response. */
export function adminAccessLog(req: IncomingMessage, status: number, bodyBytes: number): void {
  sink?.(combinedLine(req, status, bodyBytes));
}
