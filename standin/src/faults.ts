// Fault switches: KONG_STANDIN_FAULTS="name[@scope][,name...]" makes a node misbehave the way a real
// upgrade bug would, so the harness's checks can be shown to catch it. Documented in standin/README.md.
//
// Scope syntax (all optional, joined with '@'):  node=<prefix-of-hostname>  entity=<table>
//   after=<ms since start>  rate=<0..1>  for=<ms> (how long a stall lasts)
//   point=<name> (where in a migration run a kill-type fault fires: before-record, halfway)
// e.g. KONG_STANDIN_FAULTS="proxy-5xx@rate=0.01,lost-invalidation@entity=keyauth_credentials"

export interface FaultSwitch {
  readonly name: string;
  readonly node?: string;
  readonly entity?: string;
  readonly afterMs?: number;
  readonly rate?: number;
  /** `for=<ms>`: duration of a stall-type fault (e.g. how long a migration holds its table lock). */
  readonly forMs?: number;
  /** `point=<name>`: the moment of a migration run at which a kill-type fault fires. */
  readonly point?: string;
}

export function parseFaults(raw: string): FaultSwitch[] {
  return raw.split(",").map((s) => s.trim()).filter(Boolean).map((spec) => {
    const [name, ...scopes] = spec.split("@");
    const f: { -readonly [K in keyof FaultSwitch]: FaultSwitch[K] } = { name: name! };
    for (const scope of scopes) {
      const [k, v] = scope.split("=");
      if (v === undefined) throw new Error(`fault "${spec}": scope "${scope}" is not key=value`);
      if (k === "node") f.node = v;
      else if (k === "entity") f.entity = v;
      else if (k === "after") f.afterMs = Number(v);
      else if (k === "rate") f.rate = Number(v);
      else if (k === "for") f.forMs = Number(v);
      else if (k === "point") f.point = v;
      else throw new Error(`fault "${spec}": unknown scope "${k}" (node, entity, after, rate, for, point)`);
    }
    return f;
  });
}

export class Faults {
  private readonly startedAt = Date.now();
  constructor(private readonly switches: readonly FaultSwitch[], private readonly hostname: string) {}

  /** The active switch of that name for this node (and entity), or undefined. */
  active(name: string, entity?: string): FaultSwitch | undefined {
    return this.switches.find((f) =>
      f.name === name &&
      (f.node === undefined || this.hostname.startsWith(f.node)) &&
      (f.entity === undefined || entity === undefined || f.entity === entity) &&
      (f.afterMs === undefined || Date.now() - this.startedAt >= f.afterMs));
  }

  /** True when the switch is active and, with a rate, this call draws it. */
  hits(name: string, entity?: string): boolean {
    const f = this.active(name, entity);
    return f !== undefined && (f.rate === undefined || Math.random() < f.rate);
  }

  /** Milliseconds since this node's process started (faults that last for a node's first moments). */
  sinceStartMs(): number { return Date.now() - this.startedAt; }

  get names(): string[] { return this.switches.map((s) => s.name); }
}
