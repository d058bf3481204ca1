// HAProxy's Runtime API over its stats socket (TCP on 127.0.0.1): one connection per command line,
// several commands in one line separated by ";" (applied together, in order).
import { connect } from "node:net";
import { EnvironmentError } from "../../errors.ts";
import { WEIGHTS_MAP } from "./config.ts";

/** One server's row of `show stat`, the fields the harness reads. */
export interface ServerStat {
  /** The backend: the node's cluster. */
  readonly backend: string;
  readonly name: string;
  /** "UP", "DOWN", "UP 1/3" (going down), "DOWN 1/2" (going up), "MAINT", "DRAIN", "no check", ... */
  readonly status: string;
  readonly weight: number;
  /** Requests in progress on the server. */
  readonly current: number;
  readonly queued: number;
  readonly checkStatus: string;
  /** Requests HAProxy sent to the server since start (`stot`), retried attempts included. */
  readonly sessions: number;
  /** Attempts that failed on it and were made again elsewhere: redispatched (`wredis`) or retried (`wretr`, L7 retries included). */
  readonly retriedAway: number;
}

export interface StatSnapshot {
  readonly servers: readonly ServerStat[];
  /** HTTP requests the cluster backends were given since start (HAProxy's own answers, like the log sync, are not). */
  readonly backendRequests: number;
}

/** What HAProxy answers to a state change that worked; every other answer line is an error. */
const SUCCESS_NOTES = /^(New server registered\.|Server deleted\.|nothing changed|no need to change the addr.*|(IP|port) changed from .*)$/i;

export class RuntimeApi {
  constructor(readonly port: number, private readonly timeoutMs = 5_000) {}

  /** Sends one command line; resolves with HAProxy's answer. */
  send(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, "127.0.0.1");
      let out = "";
      socket.setEncoding("utf8");
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      socket.on("connect", () => socket.end(`${line}\n`));
      socket.on("data", (d: string) => (out += d));
      socket.on("error", (e) => reject(new EnvironmentError(`HAProxy Runtime API (127.0.0.1:${this.port}) failed on "${line.slice(0, 120)}": ${e.message}`, { cause: e })));
      socket.on("close", (hadError) => void (hadError || resolve(out)));
    });
  }

  /** Runs state-changing commands in one line; any answer but their success notes rejects. */
  async run(commands: readonly string[]): Promise<void> {
    if (commands.length === 0) return;
    const answer = await this.send(commands.join("; "));
    const problem = answer.split("\n").map((l) => l.trim()).find((l) => l !== "" && !SUCCESS_NOTES.test(l));
    if (problem) throw new EnvironmentError(`HAProxy refused "${commands.join("; ").slice(0, 200)}": ${problem}`);
  }

  async version(): Promise<string> {
    const info = await this.send("show info");
    return /^Version:\s*(\S+)/m.exec(info)?.[1] ?? "unknown";
  }

  async stat(): Promise<StatSnapshot> {
    return parseStat(await this.send("show stat"));
  }

  /** The green weight the weights map holds now. */
  async green(): Promise<number | undefined> {
    const m = /\S+\s+green\s+(\d+)/.exec(await this.send(`show map ${WEIGHTS_MAP}`));
    return m ? Number(m[1]) : undefined;
  }
}

/** `show stat` CSV: the servers of the cluster backends and the requests the backends were given. */
export function parseStat(csv: string): StatSnapshot {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift()?.replace(/^#\s*/, "").split(",") ?? [];
  const col = (name: string): number => header.indexOf(name);
  const [px, sv, status, weight, scur, qcur, check, reqTot, stot, wredis, wretr] = ["pxname", "svname", "status", "weight", "scur", "qcur", "check_status", "req_tot", "stot", "wredis", "wretr"].map(col);
  const servers: ServerStat[] = [];
  let backendRequests = 0;
  for (const line of lines) {
    const f = line.split(",");
    if (!(f[px!] === "blue" || f[px!] === "green")) continue;
    if (f[sv!] === "BACKEND") {
      backendRequests += Number(f[reqTot!] || 0);
      continue;
    }
    servers.push({
      backend: f[px!]!, name: f[sv!]!, status: f[status!] ?? "", weight: Number(f[weight!] || 0), current: Number(f[scur!] || 0), queued: Number(f[qcur!] || 0),
      checkStatus: (f[check!] ?? "").replace(/^\* /, ""), sessions: Number(f[stot!] || 0), retriedAway: Number(f[wredis!] || 0) + Number(f[wretr!] || 0),
    });
  }
  return { servers, backendRequests };
}

/** Whether HAProxy routes to a server as far as health goes (draining and maintenance are admin states, said elsewhere). */
export function serverHealthy(s: ServerStat): boolean {
  return !/^(DOWN|MAINT|NOLB)/.test(s.status) && !s.status.includes("(via)");
}
