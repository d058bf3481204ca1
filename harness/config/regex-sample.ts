// A concrete string that a route's regex path matches, so a probe can be sent on a regex route.
// Kong's router matches regex paths from the start of the request path (`re_find(uri, regex, "ajo")`
// in 2.x, the same in 3.0's `~` paths), so the sample is checked against `^(?:regex)`. The sampler
// knows the pieces route paths use: anchors, escapes (\d, \w, \s, \., \/), classes ([^/]+, [a-f0-9]),
// `.`, groups ((?:...), (?<name>...), (?P<name>...), lookarounds), alternation (the first branch) and
// quantifiers (the fewest repetitions allowed). Anything else: no sample.

/** Characters tried, in order, for a character class: path-friendly first. */
const CANDIDATES = [..."abcdefghijklmnopqrstuvwxyz1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~"];

const ESCAPES: Readonly<Record<string, string>> = { d: "1", D: "a", w: "a", W: "-", s: " ", S: "a", b: "", B: "", A: "", z: "", Z: "", G: "", n: "\n", t: "\t", r: "\r" };

class Unsupported extends Error {}

class Sampler {
  private i = 0;
  private readonly groups: string[] = [];
  private readonly named = new Map<string, string>();

  constructor(private readonly src: string) {}

  run(): string {
    const out = this.alternation();
    if (this.i < this.src.length) throw new Unsupported(`unexpected "${this.src[this.i]}"`);
    return out;
  }

  private peek(): string | undefined { return this.src[this.i]; }

  /** Every branch is parsed (to move past it); the first one is the sample. */
  private alternation(): string {
    const first = this.sequence();
    while (this.peek() === "|") {
      this.i++;
      this.sequence();
    }
    return first;
  }

  private sequence(): string {
    let out = "";
    while (this.i < this.src.length && this.peek() !== "|" && this.peek() !== ")") {
      const atom = this.atom();
      out += atom.repeat(this.quantifier());
    }
    return out;
  }

  private atom(): string {
    const c = this.src[this.i++]!;
    if (c === "(") return this.group();
    if (c === "[") return this.charClass();
    if (c === "\\") return this.escape();
    if (c === ".") return "a";
    if (c === "^" || c === "$") return "";
    if (c === "*" || c === "+" || c === "?" || (c === "{" && /^\d+(,\d*)?\}/.test(this.src.slice(this.i)))) throw new Unsupported(`quantifier "${c}" with nothing before it`);
    return c;
  }

  /** The fewest repetitions the quantifier allows (lazy `?` and possessive `+` suffixes ignored). */
  private quantifier(): number {
    const c = this.peek();
    let n = 1;
    if (c === "*" || c === "?") { this.i++; n = 0; }
    else if (c === "+") { this.i++; n = 1; }
    else if (c === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.src.slice(this.i));
      if (!m) return 1; // a literal `{`, as PCRE reads one that is not a quantifier
      this.i += m[0].length;
      n = Number(m[1]);
    } else return 1;
    if (this.peek() === "?" || this.peek() === "+") this.i++;
    return n;
  }

  private group(): string {
    const rest = this.src.slice(this.i);
    let name: string | undefined;
    let capturing = true;
    let lookaround = false;
    const named = /^\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
    if (named) { name = named[1] ?? named[2]; this.i += named[0].length; }
    else if (rest.startsWith("?:")) { capturing = false; this.i += 2; }
    else if (/^\?<?[=!]/.test(rest)) { lookaround = true; capturing = false; this.i += rest[1] === "<" ? 3 : 2; }
    else if (rest.startsWith("?")) throw new Unsupported(`group "(${rest.slice(0, 3)}"`);
    const index = this.groups.length;
    if (capturing) this.groups.push("");
    const inner = this.alternation();
    if (this.src[this.i++] !== ")") throw new Unsupported("unclosed group");
    if (lookaround) return "";
    if (capturing) this.groups[index] = inner;
    if (name !== undefined) this.named.set(name, inner);
    return inner;
  }

  private escape(): string {
    const c = this.src[this.i++];
    if (c === undefined) throw new Unsupported("trailing backslash");
    if (c in ESCAPES) return ESCAPES[c]!;
    if (/[1-9]/.test(c)) return this.groups[Number(c) - 1] ?? "";
    if (c === "k") {
      const m = /^<([A-Za-z_]\w*)>/.exec(this.src.slice(this.i));
      if (!m) throw new Unsupported("\\k without a name");
      this.i += m[0].length;
      return this.named.get(m[1]!) ?? "";
    }
    if (c === "x") {
      const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
      if (!m) throw new Unsupported("\\x without two hex digits");
      this.i += 2;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if (/[A-Za-z0-9]/.test(c)) throw new Unsupported(`escape "\\${c}"`);
    return c;
  }

  /** The class's text up to its `]`, then the first candidate character it accepts. */
  private charClass(): string {
    const start = this.i - 1;
    if (this.peek() === "^") this.i++;
    if (this.peek() === "]") this.i++;
    while (this.i < this.src.length && this.peek() !== "]") this.i += this.peek() === "\\" ? 2 : 1;
    if (this.src[this.i++] !== "]") throw new Unsupported("unclosed character class");
    const cls = new RegExp(`^${this.src.slice(start, this.i)}$`);
    const hit = CANDIDATES.find((ch) => cls.test(ch));
    if (hit === undefined) throw new Unsupported(`no path character in ${this.src.slice(start, this.i)}`);
    return hit;
  }
}

/** A string the regex matches, or null when the pattern uses what the sampler does not know. */
export function sampleRegex(pattern: string): string | null {
  try {
    return new Sampler(pattern).run();
  } catch (e) {
    if (e instanceof Unsupported || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** Whether `text` matches the regex from its start as Kong's router does; undefined when JavaScript cannot read the (PCRE) pattern. */
export function matchesFromStart(pattern: string, text: string): boolean | undefined {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})`);
  } catch {
    return undefined;
  }
  return re.test(text);
}
