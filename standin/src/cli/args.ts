// A small lapp-like parser for the flags the stand-in's `kong` commands accept.

export interface Args {
  readonly positional: readonly string[];
  readonly yes: boolean;
  readonly quiet: boolean;
  readonly force: boolean;
  readonly dbTimeoutS: number;
  readonly lockTimeoutS: number;
  readonly conf?: string;
  readonly prefix?: string;
  readonly verbose: boolean;
  readonly all: boolean;
}

const VALUE_FLAGS = new Set(["--db-timeout", "--lock-timeout", "-c", "--conf", "-p", "--prefix"]);

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (VALUE_FLAGS.has(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`option ${name} requires a value`);
      values.set(name, v);
    } else if (name.startsWith("-")) flags.add(name);
    else positional.push(a);
  }
  const has = (...names: string[]): boolean => names.some((n) => flags.has(n));
  const num = (name: string, d: number): number => {
    const v = values.get(name);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`unable to convert to number: ${v}`);
    return n;
  };
  return {
    positional,
    yes: has("-y", "--yes"), quiet: has("-q", "--quiet"), force: has("-f", "--force"),
    dbTimeoutS: num("--db-timeout", 60), lockTimeoutS: num("--lock-timeout", 60),
    conf: values.get("-c") ?? values.get("--conf"), prefix: values.get("-p") ?? values.get("--prefix"),
    verbose: has("--v", "--vv", "-v", "-vv"), all: has("-a", "--all"),
  };
}
