// Parser for `kong migrations list` stdout (kong-reference §3.4): blocks "Executed migrations:",
// "Pending migrations:", "New migrations available:", each a list of "<subsystem>: a, b, c" lines
// right-aligned on the subsystem name. Other lines (the "Run 'kong migrations ...'" hints, the
// bootstrap message) are ignored.

export type ListBlock = "executed" | "pending" | "new";
export type MigrationsListing = Record<ListBlock, Record<string, string[]>>;

const HEADERS: Readonly<Record<string, ListBlock>> = {
  "Executed migrations:": "executed",
  "Pending migrations:": "pending",
  "New migrations available:": "new",
};

const ENTRY = /^\s*([A-Za-z0-9_.-]+):\s*(.*)$/;

export function parseMigrationsList(stdout: string): MigrationsListing {
  const listing: MigrationsListing = { executed: {}, pending: {}, new: {} };
  let block: ListBlock | undefined;
  for (const raw of stdout.split("\n")) {
    const line = raw.trimEnd();
    const header = HEADERS[line.trim()];
    if (header) { block = header; continue; }
    if (line.trim() === "") { block = undefined; continue; }
    const m = block ? ENTRY.exec(line) : null;
    if (!block || !m) continue;
    const names = m[2]!.split(",").map((s) => s.trim()).filter(Boolean);
    listing[block][m[1]!] = [...(listing[block][m[1]!] ?? []), ...names];
  }
  return listing;
}

/** Every subsystem the listing names, in any block. */
export const listedSubsystems = (l: MigrationsListing): string[] =>
  [...new Set([...Object.keys(l.executed), ...Object.keys(l.pending), ...Object.keys(l.new)])].sort();
