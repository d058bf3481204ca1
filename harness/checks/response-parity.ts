// Differential testing of old against new, as Twitter's Diffy does it. While both clusters serve,
// the scenario sends every seed probe at the same moment to two old nodes and one new node
// (parity-sample ops). A field whose presence or value differs between the two old answers, in any
// sample of the run, is noise (dates, latencies, ports): learned, not listed. A difference Kong's
// versions are documented to make is accepted with its reason (parity-differences.ts). Anything
// else that differs between the old answer and the new one fails, naming the probe, the field, both
// values, both nodes and the phase.
//
// Headers whose value moves with the clock or a rate-limit window (Date, latencies, RateLimit-Reset,
// Retry-After, the remaining counts) are compared by presence and form only, never by value
// (parity-time-dependent.ts): two answers a second apart differ on them by definition.
//
// A probe whose baseline allows several statuses (the rate-limited one: 200 or 429) is answered as
// the load of that second decides, not as the version does: its new answer is compared with an old
// answer of the same status from the same sample (none: not compared), and its values are compared
// only where at least MIN_AGREEING old answers of that status agree on them (the remaining counts
// move with every request).
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { faultSpans } from "./fault-windows.ts";
import { answerFields, differences, explain, noiseBetween, showValue, type FieldDifference, type FieldNoise } from "./parity-compare.ts";
import { describeDocumented, documentedFor, type DocumentedDifference, type VersionPair } from "./parity-differences.ts";
import { timeDependent } from "./parity-time-dependent.ts";
import { F, type Op, type ParityAnswer, type ParityProbeSample, type ParitySampleValue } from "./records.ts";
import { n } from "./stats.ts";

const ID = "response-parity";
/** Old answers of one status that must agree on a value before a load-dependent probe's value is compared. */
export const MIN_AGREEING = 3;
/** Differences shown in the message; the rest are in the evidence. */
const SHOWN = 10;

interface Sampled { readonly op: Op<ParitySampleValue>; readonly s: ParityProbeSample }

const answered = (a: ParityAnswer): boolean => a.status !== null;

/** unsettled: values of a load-dependent probe too few old answers agree on (not compared, not noise). */
interface NoiseSets { presence: Set<string>; value: Set<string>; unsettled: Set<string> }
const noiseSets = (): NoiseSets => ({ presence: new Set(), value: new Set(), unsettled: new Set() });

/** Noise per key: the probe, or "probe status" for a load-dependent probe. */
class Noise {
  readonly byKey = new Map<string, NoiseSets>();
  of(key: string): NoiseSets {
    let sets = this.byKey.get(key);
    if (!sets) this.byKey.set(key, (sets = noiseSets()));
    return sets;
  }
  /**
   * A key's noise, plus every response header whose value varied between old answers of any probe:
   * Kong sets a header the same way on every route, and a latency that happened to be "0" on both
   * old nodes for one probe is no less a latency.
   */
  get(key: string): FieldNoise {
    const own = this.byKey.get(key) ?? noiseSets();
    const shared = [...this.byKey.values()].flatMap((s) => [...s.value].filter((f) => f.startsWith("response header ")));
    return { presence: own.presence, value: new Set([...own.value, ...own.unsettled, ...shared]) };
  }
  /** "response header date (11 probes)", … */
  summary(): string[] {
    const count = new Map<string, Set<string>>();
    for (const [key, sets] of this.byKey) {
      for (const f of [...sets.presence].map((x) => `${x} (present or not)`).concat([...sets.value].filter((x) => !sets.presence.has(x)))) {
        const probes = count.get(f) ?? new Set<string>();
        probes.add(key.split(" ")[0]!);
        count.set(f, probes);
      }
    }
    return [...count].sort((a, b) => a[0].localeCompare(b[0])).map(([f, probes]) => `${f} (${probes.size === 1 ? [...probes][0] : `${probes.size} probes`})`);
  }
  /** "rate-limited 200 (2 old answers)": keys whose values were not compared, too few old answers agreeing. */
  unsettled(): string[] {
    return [...this.byKey].filter(([, s]) => s.unsettled.size > 0).map(([key]) => key);
  }

  /** Distinct fields learned as noise, over all probes. */
  get size(): number { return new Set([...this.byKey.values()].flatMap((s) => [...s.presence, ...s.value])).size; }
}

function learnNoise(samples: readonly Sampled[], loadDependent: (probe: string) => boolean): Noise {
  const noise = new Noise();
  const oldByStatus = new Map<string, Map<string, string>[]>();
  for (const { s } of samples) {
    const [a, b] = s.old;
    if (!answered(a) || !answered(b)) continue;
    const dependent = loadDependent(s.probe);
    if (!dependent) { noiseBetween(answerFields(a), answerFields(b), noise.of(s.probe)); continue; }
    for (const x of [a, b]) {
      const key = `${s.probe} ${x.status}`;
      oldByStatus.set(key, [...(oldByStatus.get(key) ?? []), answerFields(x)]);
    }
    if (a.status === b.status) noiseBetween(answerFields(a), answerFields(b), noise.of(`${s.probe} ${a.status}`));
  }
  // Load-dependent probes: any variation across the run's old answers of one status is noise, and so
  // is a value too few of them agree on.
  for (const [key, answers] of oldByStatus) {
    const sets = noise.of(key);
    const fields = new Set(answers.flatMap((f) => [...f.keys()]));
    for (const field of fields) {
      const values = answers.map((f) => f.get(field));
      if (values.some((x) => x === undefined)) sets.presence.add(field);
      else if (new Set(values).size > 1) sets.value.add(field);
      else if (values.length < MIN_AGREEING) sets.unsettled.add(field);
    }
  }
  return noise;
}

interface Found {
  readonly probe: string;
  readonly d: FieldDifference;
  readonly op: Op<ParitySampleValue>;
  readonly oldNode: string;
  readonly newNode: string;
  readonly newStatus: string | undefined;
  count: number;
}

const describeFound = (f: Found, ctx: CheckContext, compared: ReadonlyMap<string, number>): string =>
  `${f.probe}: ${f.d.field}: old ${showValue(f.d.field, f.d.old)} (${f.oldNode}), new ${showValue(f.d.field, f.d.new)} (${f.newNode}), during ${ctx.timeline.labelOp(f.op)}${explain(f.d, f.newStatus)}`
  + (f.count > 1 || (compared.get(f.probe) ?? 0) > 1 ? ` (in ${n(f.count)} of ${n(compared.get(f.probe) ?? 0)} samples)` : "");

export const responseParity: Check = {
  id: ID,
  description: "old and new nodes answer the same requests alike at the same moment: status, headers, Kong's own bodies and what the upstream received, beyond the noise between two old nodes and the documented differences",
  async check(ctx): Promise<CheckResult> {
    const ops = ctx.history.filter((op): op is Op<ParitySampleValue> => op.f === F.paritySample && op.type === "ok");
    if (ops.length === 0) return { id: ID, status: "unknown", message: "no parity samples in history.jsonl: old and new nodes never answered the same requests at the same moment", evidence: [] };
    const samples: Sampled[] = ops.flatMap((op) => op.value.probes.map((s) => ({ op, s })));
    const baseline = ctx.expectations.baseline;
    const allowed = (probe: string): readonly number[] => { const e = baseline[probe]; return e === undefined ? [] : typeof e === "number" ? [e] : e; };
    const loadDependent = (probe: string): boolean => allowed(probe).length > 1;
    const noise = learnNoise(samples, loadDependent);
    const versions: VersionPair = ctx.expectations.versions ?? {};

    const found = new Map<string, Found>();
    const documented = new Map<DocumentedDifference, number>();
    const compared = new Map<string, number>();
    let unanswered = 0, loadDecided = 0;
    for (const { op, s } of samples) {
      if (!s.old.every(answered) || !answered(s.new)) { unanswered += 1; continue; }
      let reference = s.old[0];
      let key = s.probe;
      if (loadDependent(s.probe) && allowed(s.probe).includes(s.new.status!)) {
        const same = s.old.find((a) => a.status === s.new.status);
        if (!same) { loadDecided += 1; continue; }
        reference = same;
        key = `${s.probe} ${s.new.status}`;
      }
      compared.set(s.probe, (compared.get(s.probe) ?? 0) + 1);
      const newFields = answerFields(s.new);
      for (const d of differences(answerFields(reference), newFields, noise.get(key))) {
        const doc = documentedFor(d.field, d.change, d.old, d.new, versions);
        if (doc) { documented.set(doc, (documented.get(doc) ?? 0) + 1); continue; }
        const sig = JSON.stringify([s.probe, d.field, d.old, d.new]);
        const prior = found.get(sig);
        if (prior) prior.count += 1;
        else found.set(sig, { probe: s.probe, d, op, oldNode: reference.node, newNode: s.new.node, newStatus: newFields.get("status"), count: 1 });
      }
    }

    const probes = new Set(samples.map((x) => x.s.probe));
    const total = [...compared.values()].reduce((a, b) => a + b, 0);
    const skipped = [
      ...(unanswered ? [`${n(unanswered)} probe answers left out: a node gave no answer (availability is zero-failed-requests' verdict)`] : []),
      ...(loadDecided ? [`${n(loadDecided)} left out: the load decided a rate-limited answer (no old answer of the new one's status in that sample)`] : []),
    ];
    const noiseLines = noise.summary();
    const moving = [...new Set(samples.flatMap(({ s }) => [...s.old, s.new].flatMap((a) => Object.keys(a.headers))))]
      .filter((h) => timeDependent(`response header ${h}`)).sort();
    const docLines = [...documented].map(([d, count]) => `documented (${n(count)} answers): ${describeDocumented(d)}`);
    const evidence = [
      `${n(ops.length)} samples (${n(ops.filter((op) => op.value.purpose === "ready").length)} at a new node's readiness) of ${n(probes.size)} probes; ${n(total)} new answers compared with an old one`,
      ...skipped,
      `noise learned from the two old nodes (${n(noise.size)} fields): ${noiseLines.join(", ") || "none"}`,
      ...(moving.length ? [`compared by presence and form only, their values moving with the clock or a rate-limit window: ${moving.join(", ")}`] : []),
      ...(noise.unsettled().length ? [`values compared by presence only, fewer than ${MIN_AGREEING} old answers of that status agreeing on them: ${noise.unsettled().join(", ")}`] : []),
      ...docLines,
    ];
    const differencesFound = [...found.values()];
    const data = {
      samples: ops.length, probes: [...probes], compared: Object.fromEntries(compared), unanswered, loadDecided, timeDependent: moving,
      noise: Object.fromEntries([...noise.byKey].map(([k, sets]) => [k, { presence: [...sets.presence].sort(), value: [...sets.value].sort(), unsettled: [...sets.unsettled].sort() }])),
      documented: [...documented].map(([d, count]) => ({ field: d.field.source, change: d.change, since: d.since, reason: d.reason, answers: count })),
      differences: differencesFound.map((f) => ({ probe: f.probe, field: f.d.field, change: f.d.change, old: f.d.old, new: f.d.new, oldNode: f.oldNode, newNode: f.newNode, at: ctx.timeline.labelOp(f.op), count: f.count })),
    };
    if (differencesFound.length > 0) {
      const lines = differencesFound.map((f) => describeFound(f, ctx, compared));
      const more = lines.length > SHOWN ? `; and ${n(lines.length - SHOWN)} more (see the evidence)` : "";
      return {
        id: ID, status: "fail",
        message: `old and new nodes answered the same requests differently (${n(lines.length)} differences beyond the old nodes' own noise and the documented ones): ${lines.slice(0, SHOWN).join("; ")}${more}`,
        evidence: [...lines, ...evidence, "see history.jsonl (f \"parity-sample\")"], data,
      };
    }
    if (total === 0) return { id: ID, status: "unknown", message: `${n(ops.length)} parity samples, but no new answer could be compared with an old one: ${skipped.join("; ")}`, evidence, data };
    const acceptedDocs = documented.size ? `; ${n(documented.size)} documented differences accepted (${[...documented.keys()].map((d) => `${d.field.source.replace(/^\^|\$$/g, "")} ${d.change}`).join(", ")})` : "";
    return {
      id: ID, status: "pass",
      message: `old and new nodes answered alike: ${n(ops.length)} samples of ${n(probes.size)} probes compared (${n(total)} new answers); ${n(noise.size)} noise fields learned from the two old nodes${acceptedDocs}`,
      evidence, data,
    };
  },
};

/**
 * In a chaos run, a fault changes the answers of the nodes it hits on purpose (a 502 where a node
 * is cut off, no rate-limit headers while its counters are unreachable): samples sent inside any
 * fault's window (and its grace) are not judged, and counted.
 */
export function responseParityOutsideFaults(kinds: readonly string[]): Check {
  return {
    id: ID,
    description: `${responseParity.description} (outside the windows of faults)`,
    async check(ctx): Promise<CheckResult> {
      const spans = faultSpans(ctx.history, kinds);
      if (spans.length === 0) return responseParity.check(ctx);
      const inside = (op: Op): boolean => op.f === F.paritySample && spans.some((s) => op.timeMs >= s.start && (op.value as ParitySampleValue).sentMs <= s.end);
      const left = ctx.history.filter(inside);
      const r = await responseParity.check({ ...ctx, history: ctx.history.filter((op) => !inside(op)) });
      if (left.length === 0) return r;
      const note = `${n(left.length)} parity samples inside the windows of ${spans.map((s) => s.id).join(", ")} not judged: a fault changes the answers of the nodes it hits`;
      return { ...r, message: `${r.message} (${note})`, evidence: [note, ...r.evidence] };
    },
  };
}
