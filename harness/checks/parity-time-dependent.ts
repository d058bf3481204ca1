// Response headers whose value is, by definition, a function of the moment the answer was made: the
// clock, a duration measured for that request, or a rate-limit window's countdown and count. Two
// answers made at the same moment by equal code still differ on them whenever the samples straddle
// a second boundary (or another request hit the counter in between), and two old nodes agree on
// them by chance often enough that learning noise from the old nodes misses them. So response-parity
// compares them by presence and by form, as Diffy's noise filtering would: a header dropped or
// added still fails, and so does one whose value is no longer of its form (a countdown that is no
// longer a number of seconds), but "35" against "34" is the same header read a second apart.
// Header names are lower-case, as answerFields() names them.

/** The forms a value can take; a value of none of its header's forms is compared as written. */
type Form = "http-date" | "integer";

export interface TimeDependentHeader {
  readonly header: RegExp;
  readonly forms: readonly Form[];
  /** Why the value moves with the moment, and where Kong's source makes it. */
  readonly reason: string;
}

export const TIME_DEPENDENT_HEADERS: readonly TimeDependentHeader[] = [
  { header: /^date$/, forms: ["http-date"], reason: "the second the answer was written (nginx)" },
  { header: /^age$/, forms: ["integer"], reason: "seconds since proxy-cache stored the answer (plugins/proxy-cache/handler.lua: floor(time() - res.timestamp))" },
  {
    header: /^x-kong-(proxy|upstream|response)-latency$/, forms: ["integer"],
    reason: "milliseconds measured for this request (constants.lua HEADERS.*_LATENCY; runloop/handler.lua header_filter); latency-parity judges the durations",
  },
  {
    header: /^(ratelimit-reset|retry-after)$/, forms: ["integer", "http-date"],
    reason: "seconds left in the rate-limit window, one fewer every second (plugins/rate-limiting/handler.lua: reset = max(1, window - floor((now - timestamps[period]) / 1000)); Retry-After = reset on its 429; RFC 9110 also allows an HTTP-date)",
  },
  {
    header: /^x-ratelimit-reset(-.+)?$/, forms: ["integer", "http-date"],
    reason: "the end of a rate-limit window, as a countdown or a moment (sent by upstream rate limiters; Kong's own plugins send RateLimit-Reset)",
  },
  {
    header: /^(ratelimit-remaining|x-ratelimit-remaining-.+)$/, forms: ["integer"],
    reason: "requests left in the window: every request on the counter moves it, any client's and, with a shared policy, any node's, and a new window resets it (plugins/rate-limiting/handler.lua; plugins/response-ratelimiting/header_filter.lua)",
  },
];

const FIELD_PREFIX = "response header ";

/** The entry for a field as response-parity names it ("response header ratelimit-reset"), if its value is time-dependent. */
export function timeDependent(field: string): TimeDependentHeader | undefined {
  if (!field.startsWith(FIELD_PREFIX)) return undefined;
  const name = field.slice(FIELD_PREFIX.length);
  return TIME_DEPENDENT_HEADERS.find((h) => h.header.test(name));
}

const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function formOf(value: string, forms: readonly Form[]): Form | undefined {
  return forms.find((f) => (f === "integer" ? /^\d+$/.test(value) : HTTP_DATE.test(value) && !Number.isNaN(Date.parse(value))));
}

/**
 * Whether two values of a time-dependent header are the same header read at different moments:
 * both of one of its forms (two counts, two dates). Values of no form are alike only when equal.
 */
export function alikeInForm(entry: TimeDependentHeader, a: string, b: string): boolean {
  if (a === b) return true;
  const form = formOf(a, entry.forms);
  return form !== undefined && form === formOf(b, entry.forms);
}
