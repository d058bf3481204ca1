// `planUpgrade`: the path from one Kong version to another, hop by hop, with the procedure for each
// hop, or the reasons the jump is refused. Pure: no I/O, no clock.
import { CASSANDRA_DEPRECATED, CASSANDRA_REJECTED, hopFor } from "./procedures.ts";
import { DATASTORES, type Datastore, FRESH, type Hop, type Plan, type PlanRequest, type Refusal } from "./types.ts";
import { atLeast, below, compareVersions, type KongVersion, parseVersion, sameSeries, unknownRelease, v } from "./version.ts";

/** A stop on the way: the seed's (0.14.1, 1.5.x) and 3.0's (2.8.x, at least 2.8.2). */
interface Stop { readonly label: string; readonly version: KongVersion; readonly atLeast?: string }

function stopsBetween(from: KongVersion, to: KongVersion): Stop[] {
  const stops: Stop[] = [];
  if (below(from, "0.14.1") && atLeast(to, "1.0.0")) stops.push({ label: "0.14.1", version: v("0.14.1") });
  if (below(from, "1.0.0") && atLeast(to, "2.0.0")) stops.push({ label: "1.5.x", version: v("1.5.x") });
  if (below(from, "2.8.2") && atLeast(to, "3.0.0")) stops.push({ label: "2.8.x", version: v("2.8.2"), atLeast: "2.8.2" });
  return stops;
}

function parseEnd(name: "from" | "to", text: string, refusals: Refusal[]): KongVersion | undefined {
  const ver = parseVersion(text);
  if (!ver) {
    refusals.push({ code: "bad-version", message: `${name}: "${text}" is not a Kong version (expected MAJOR.MINOR.PATCH or MAJOR.MINOR.x, e.g. 2.5.1 or 2.5.x${name === "from" ? `, or ${FRESH}` : ""})` });
    return undefined;
  }
  const unknown = unknownRelease(ver);
  if (unknown) refusals.push({ code: "unknown-release", message: `${name}: ${unknown}` });
  return unknown ? undefined : ver;
}

function direction(from: KongVersion, to: KongVersion, req: PlanRequest): Refusal | undefined {
  if (sameSeries(from, to) && (from.patch === undefined || to.patch === undefined || from.patch === to.patch)) {
    return { code: "same-version", message: `nothing to upgrade: ${req.from} and ${req.to} are the same release` };
  }
  if (compareVersions(to, from) < 0) {
    return { code: "downgrade", message: `downgrade from ${req.from} to ${req.to} is not supported: Kong's migrations only go forward (restore a backup taken on ${req.from} instead)` };
  }
  return undefined;
}

function validate(req: PlanRequest): { from?: KongVersion; to?: KongVersion; datastore?: Datastore; refusals: Refusal[] } {
  const refusals: Refusal[] = [];
  const ds = req.datastore ?? "postgres";
  const datastore = (DATASTORES as readonly string[]).includes(ds) ? (ds as Datastore) : undefined;
  if (!datastore) refusals.push({ code: "bad-datastore", message: `datastore: "${ds}" is not a Kong datastore (expected ${DATASTORES.join(" or ")})` });
  const fresh = req.from === FRESH;
  const from = fresh ? undefined : parseEnd("from", req.from, refusals);
  const to = parseEnd("to", req.to, refusals);
  if (to && datastore === "cassandra" && atLeast(to, "3.4.0")) refusals.push({ code: "cassandra-unsupported", message: CASSANDRA_REJECTED });
  const turn = from && to ? direction(from, to, req) : undefined;
  if (turn) refusals.push(turn);
  return { from, to, datastore, refusals };
}

function freshHop(toLabel: string, to: KongVersion, datastore: Datastore): Hop {
  const bootstrap = !below(to, "1.0.0");
  return {
    from: FRESH, to: toLabel, datastore, procedure: "fresh-install", expectsDowntime: false, alternatives: [], extraSteps: [],
    notes: datastore === "cassandra" && atLeast(to, "2.7.0") ? [CASSANDRA_DEPRECATED] : [],
    reason: bootstrap ? "a fresh datastore: `kong migrations bootstrap`, then start the nodes" : "a fresh datastore on Kong 0.x: `kong migrations up`, then `kong start` (no `bootstrap` before 1.0)",
    runnable: bootstrap,
  };
}

/** The path the seed prescribes from `from` to `to` on a datastore, or why it is refused. */
export function planUpgrade(req: PlanRequest): Plan {
  const { from, to, datastore, refusals } = validate(req);
  const base = { from: req.from, to: req.to, datastore: req.datastore ?? "postgres" };
  if (refusals.length > 0 || !to || !datastore) return { ...base, hops: [], refusals };
  if (!from) return { ...base, hops: [freshHop(req.to, to, datastore)], refusals: [] };
  const points: Stop[] = [{ label: req.from, version: from }, ...stopsBetween(from, to), { label: req.to, version: to }];
  const hops = points.slice(1).map((stop, i): Hop => {
    const prev = points[i]!;
    const hop = hopFor(prev.label, prev.version, stop.label, stop.version, datastore);
    return stop.atLeast ? { ...hop, toAtLeast: stop.atLeast } : hop;
  });
  return { ...base, hops, refusals: [] };
}
