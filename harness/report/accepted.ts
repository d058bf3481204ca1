// Acknowledged findings: the entries of an accept file (accept-file.ts) applied to a run's checks.
// A failure that an entry matches (its check, the run's Kong versions within its ranges, its
// message text, not expired) becomes `accepted`: shown in every report, counted apart, not failing
// the verdict. Only failures are accepted: an unknown check still has no evidence. Each entry's
// outcome is reported: matched, stale (it applies to the run's versions but matched no failure:
// the finding is gone or changed), out-of-range (the run's versions are outside its ranges) or
// expired (it accepts nothing any more; the failure it would have accepted fails).
import type { CheckResult, CheckStatus } from "../checks/index.ts";
import { parsedEntries, type AcceptEntry, type AcceptList, type ParsedEntry } from "./accept-file.ts";
import { inRange, parseVersion, type VersionRange } from "./version-range.ts";

/** A check's status in a report: the check's own, or `accepted` for a failure an accept entry matched. */
export type ReportStatus = CheckStatus | "accepted";

/** The accept entry that turned a failure into `accepted`. */
export interface AcceptedBy extends AcceptEntry {
  readonly file: string;
}

/** A check as a report holds it. */
export interface ReportCheck extends Omit<CheckResult, "status"> {
  readonly status: ReportStatus;
  /** Set when status is "accepted". */
  readonly acceptedBy?: AcceptedBy;
  /** Why a failure an entry names was not accepted (the entry expired). */
  readonly notAccepted?: string;
}

export type AcceptanceState = "matched" | "stale" | "out-of-range" | "expired";

export interface AcceptanceOutcome extends AcceptEntry {
  readonly state: AcceptanceState;
  /** Ids of the checks it accepted (a path's are hop-prefixed). */
  readonly matched: readonly string[];
  /** What happened, in a sentence (why stale, out of range or expired). */
  readonly note: string;
}

/** The accept file a report was judged with, and what each entry did. */
export interface Acceptances {
  readonly file: string;
  /** The day (UTC) expiry dates were judged against. */
  readonly judgedOn: string;
  readonly entries: readonly AcceptanceOutcome[];
}

export interface RunVersions { readonly old?: string | null; readonly new?: string | null }

const day = (now: Date): string => now.toISOString().slice(0, 10);

/** A check as judged before any acceptance: an accepted failure is a failure again. */
export function unaccepted(c: ReportCheck): ReportCheck {
  const { acceptedBy: _a, notAccepted: _n, ...rest } = c;
  return c.status === "accepted" ? { ...rest, status: "fail" } : rest;
}

/** Why the run's versions are outside the entry's ranges; undefined when they are inside. */
function outOfRange(e: ParsedEntry, versions: RunVersions): string | undefined {
  const side = (name: "old" | "new", range: VersionRange | undefined): string | undefined => {
    if (!range) return undefined;
    const v = parseVersion(versions[name]);
    if (!v) return `the run's ${name} Kong version is not known, so ${name} "${range.text}" cannot be shown to hold`;
    return inRange(range, v) ? undefined : `the run's ${name} Kong ${versions[name]} is outside ${name} "${range.text}"`;
  };
  return side("old", e.oldRange) ?? side("new", e.newRange);
}

/** Why no failure matched an entry whose ranges hold. */
function staleNote(e: ParsedEntry, checks: readonly ReportCheck[], takenBy: ReadonlyMap<string, number>): string {
  const named = checks.filter((c) => c.id === e.check);
  if (named.length === 0) return `${e.check} did not run`;
  const c = named[0]!;
  if (takenBy.has(c.id)) return `${e.check} was already accepted by entry ${takenBy.get(c.id)}`;
  if (c.status === "pass") return `${e.check} passed: the finding is gone`;
  if (c.status === "unknown") return `${e.check} is unknown, not failed: only failures are accepted`;
  if (e.message !== undefined && !c.message.includes(e.message)) return `${e.check} failed, but its message does not contain "${e.message}": another kind of failure`;
  return `${e.check} did not fail`;
}

/** Applies an accept list to one run's checks (a path: to one hop's, with that hop's versions). */
export function applyAcceptances(checks: readonly ReportCheck[], versions: RunVersions, list: AcceptList, now: Date): { checks: ReportCheck[]; acceptances: Acceptances } {
  const today = day(now);
  const out = checks.map(unaccepted);
  const takenBy = new Map<string, number>();
  const entries = parsedEntries(list).map((e): AcceptanceOutcome => {
    const { oldRange: _o, newRange: _n, ...entry } = e;
    const outside = outOfRange(e, versions);
    if (outside) return { ...entry, state: "out-of-range", matched: [], note: outside };
    const hits = out.map((c, i) => [c, i] as const)
      .filter(([c]) => c.id === e.check && c.status === "fail" && !takenBy.has(c.id) && (e.message === undefined || c.message.includes(e.message)));
    if (e.expires !== undefined && e.expires < today) {
      const note = `expired on ${e.expires}: accepts nothing any more`;
      for (const [c, i] of hits) out[i] = { ...c, notAccepted: `accept entry ${e.entry} of ${list.file} ${note}` };
      return { ...entry, state: "expired", matched: [], note: hits.length ? `${note}; ${hits.map(([c]) => c.id).join(", ")} fails` : note };
    }
    if (hits.length === 0) return { ...entry, state: "stale", matched: [], note: staleNote(e, out, takenBy) };
    for (const [c, i] of hits) {
      takenBy.set(c.id, e.entry);
      out[i] = { ...c, status: "accepted", acceptedBy: { ...entry, file: list.file } };
    }
    return { ...entry, state: "matched", matched: hits.map(([c]) => c.id), note: `accepted ${hits.map(([c]) => c.id).join(", ")}` };
  });
  return { checks: out, acceptances: { file: list.file, judgedOn: today, entries } };
}

const STATE_ORDER: readonly AcceptanceState[] = ["matched", "expired", "stale", "out-of-range"];

/**
 * One outcome per entry over several runs (a path's hops, a qualification's pairs), each labelled:
 * matched where any run matched it, else expired, else stale where it applied somewhere, else out
 * of range everywhere.
 */
export function mergeAcceptances(parts: readonly { readonly label: string; readonly prefix: string; readonly acceptances: Acceptances }[]): Acceptances | undefined {
  if (parts.length === 0) return undefined;
  const first = parts[0]!.acceptances;
  const entries = first.entries.map((e, i): AcceptanceOutcome => {
    const each = parts.map((p) => ({ p, o: p.acceptances.entries[i] ?? { ...e, state: "out-of-range" as const, matched: [], note: "not judged" } }));
    const state = STATE_ORDER.find((s) => each.some(({ o }) => o.state === s)) ?? "out-of-range";
    const matched = each.flatMap(({ p, o }) => o.matched.map((id) => `${p.prefix}${id}`));
    const note = each.filter(({ o }) => o.state === state).map(({ p, o }) => `${p.label}: ${o.note}`).join("; ");
    return { ...e, state, matched, note };
  });
  return { file: first.file, judgedOn: first.judgedOn, entries };
}

/** "1 matched, 1 stale" for the summaries; empty when there are no entries. */
export function acceptanceCounts(a: Acceptances): string {
  return STATE_ORDER.map((s) => [s, a.entries.filter((e) => e.state === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(", ");
}

/** One line per entry: "entry 1 old-node-refuses-after-finish (old >=2.0 <3.1): matched: accepted ...; reason: ...". */
export function acceptanceLine(e: AcceptanceOutcome): string {
  const scope = [e.old !== undefined ? `old ${e.old}` : "", e.new !== undefined ? `new ${e.new}` : "", e.message !== undefined ? `message "${e.message}"` : ""].filter(Boolean).join(", ");
  return `entry ${e.entry} ${e.check} (${scope}${e.expires ? `, until ${e.expires}` : ""}): ${e.state.toUpperCase()}: ${e.note}; reason: ${e.reason}`;
}

/** The verdict line's counts: the accepted ones apart, when the report was judged with an accept file or has any. */
export function countsText(c: { readonly pass: number; readonly fail: number; readonly unknown: number; readonly accepted?: number }, withAccepted: boolean): string {
  const accepted = withAccepted || (c.accepted ?? 0) > 0 ? `, ${c.accepted ?? 0} accepted` : "";
  return `${c.fail} failed${accepted}, ${c.unknown} unknown, ${c.pass} passed`;
}
