// The coverage table of reports/README.md: for each check, the scenario-level tests that make it
// fail on a real run, read from the tests themselves so a check with no such run shows as "none".
//
// A test proves a check in one of two ways:
//  - a row of a table of cases (test/scenario/fault-switches.test.ts): an object literal with a
//    string `title` (the test's title) and a string `catches`, plus the keys of its `alsoCatches`;
//  - a `// proves: <check-id>[, <check-id>...]` line in the comments directly above an `it(` whose
//    run the test asserts fails that check.
// Unknown check ids and `// proves:` lines attached to no `it(` are errors, so the table cannot
// silently drop a proof.
//
//   node --import tsx scripts/coverage-table.ts           rewrite the table in reports/README.md
//   node --import tsx scripts/coverage-table.ts --check   exit 1 when the table is out of date
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import {
  BLUE_GREEN_CHECKS, CASSANDRA_IN_PLACE_CHECKS, CHAOS_CHECKS, FRESH_INSTALL_CHECKS, MIGRATION_CHAOS_CHECKS, NEW_KEYSPACE_CHECKS,
} from "../harness/checks/index.ts";

export const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
export const README = "reports/README.md";
export const BEGIN = "<!-- coverage-table:begin (generated from the tests by `npm run coverage-table`; do not edit by hand) -->";
export const END = "<!-- coverage-table:end -->";
const PROVES = /^\/\/\s*proves:(.*)$/;

/** One check a test makes fail on a real run. */
export interface Proof { readonly check: string; readonly file: string; readonly title: string; readonly line: number }

/** Every check id of every list in harness/checks/index.ts, sorted. */
export function checkIds(): string[] {
  const lists = [BLUE_GREEN_CHECKS, CASSANDRA_IN_PLACE_CHECKS, NEW_KEYSPACE_CHECKS, FRESH_INSTALL_CHECKS, CHAOS_CHECKS, MIGRATION_CHAOS_CHECKS];
  return [...new Set(lists.flatMap((l) => l.map((c) => c.id)))].sort();
}

/** Every `*.test.ts` under dir, as paths relative to ROOT with `/`, sorted. */
export function testFiles(dir = join(ROOT, "test")): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".test.ts")) found.push(relative(ROOT, join(d, e.name)).split(sep).join("/"));
    }
  };
  walk(dir);
  return found.sort();
}

/** A title as written: a string's value, a template's source text between the backticks, else the expression's source. */
function titleText(node: ts.Expression, sf: ts.SourceFile): string {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.getText(sf).slice(1, -1);
  return node.getText(sf);
}

const propertyName = (p: ts.ObjectLiteralElementLike, sf: ts.SourceFile): string | undefined =>
  p.name === undefined ? undefined : ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : p.name.getText(sf);

/** The proofs in one test file's source; throws on a `// proves:` line attached to no `it(`. */
export function proofsIn(file: string, source: string): Proof[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const proofs: Proof[] = [];
  const attached = new Set<number>();
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) caseRow(node);
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === "it") {
      provesAbove(node, node.expression);
    }
    ts.forEachChild(node, visit);
  };

  const caseRow = (row: ts.ObjectLiteralExpression): void => {
    const prop = (name: string): ts.Expression | undefined => {
      const p = row.properties.find((x) => propertyName(x, sf) === name);
      return p && ts.isPropertyAssignment(p) ? p.initializer : undefined;
    };
    const title = prop("title");
    const catches = prop("catches");
    if (!title || !catches || !ts.isStringLiteral(catches)) return;
    const text = titleText(title, sf);
    const also = prop("alsoCatches");
    const more = also && ts.isObjectLiteralExpression(also) ? also.properties.map((p) => propertyName(p, sf)).filter((x): x is string => x !== undefined) : [];
    for (const check of [catches.text, ...more]) proofs.push({ check, file, title: text, line: lineOf(row.getStart(sf)) });
  };

  const provesAbove = (statement: ts.ExpressionStatement, call: ts.CallExpression): void => {
    const ids = (ts.getLeadingCommentRanges(source, statement.getFullStart()) ?? [])
      .map((r) => ({ r, m: PROVES.exec(source.slice(r.pos, r.end).trim()) }))
      .filter((x) => x.m !== null)
      .flatMap(({ r, m }) => {
        attached.add(r.pos);
        return m![1]!.split(",").map((s) => s.trim());
      });
    if (ids.length === 0) return;
    const title = call.arguments[0] ? titleText(call.arguments[0], sf) : "(no title)";
    for (const check of ids) proofs.push({ check, file, title, line: lineOf(statement.getStart(sf)) });
  };

  visit(sf);
  for (const r of comments(sf)) {
    if (PROVES.test(source.slice(r.pos, r.end).trim()) && !attached.has(r.pos)) {
      throw new Error(`${file}:${lineOf(r.pos)}: \`// proves:\` must be in the comments directly above an \`it(\` (no code between)`);
    }
  }
  return proofs;
}

/** Every comment of a source file (comments are the trivia before some token; strings are not). */
function comments(sf: ts.SourceFile): ts.CommentRange[] {
  const found = new Map<number, ts.CommentRange>();
  const visit = (node: ts.Node): void => {
    for (const r of ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? []) found.set(r.pos, r);
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return [...found.values()];
}

/** Every proof of the test files (path relative to ROOT), checked against the known check ids. */
export function collectProofs(files = testFiles(), ids = checkIds(), read = (f: string): string => readFileSync(join(ROOT, f), "utf8")): Proof[] {
  const known = new Set(ids);
  const proofs = files.flatMap((f) => proofsIn(f, read(f)));
  const unknown = proofs.filter((p) => !known.has(p.check));
  if (unknown.length > 0) throw new Error(`unknown check ids (not in harness/checks/index.ts): ${unknown.map((p) => `${p.check} (${p.file}:${p.line})`).join(", ")}`);
  return proofs;
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The table: a row per (check, test), "none" for a check no scenario-level test makes fail. */
export function renderTable(ids: readonly string[], proofs: readonly Proof[]): string {
  const rows: string[] = [];
  const bare: string[] = [];
  for (const id of ids) {
    const mine = proofs.filter((p) => p.check === id).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const unique = mine.filter((p, i) => mine.findIndex((q) => q.file === p.file && q.title === p.title) === i);
    if (unique.length === 0) {
      bare.push(id);
      rows.push(`| \`${id}\` | none | |`);
    }
    for (const p of unique) rows.push(`| \`${id}\` | \`${p.file}\` | ${cell(p.title)} |`);
  }
  return [
    `${ids.length - bare.length} of ${ids.length} checks are shown failing by a scenario-level test; without one: ${bare.length === 0 ? "none" : bare.map((b) => `\`${b}\``).join(", ")}.`,
    "",
    "| check | test file | test |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}

/** readme with the text between the markers replaced by table; throws when the markers are missing. */
export function withTable(readme: string, table: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${README} has no coverage-table markers (${BEGIN} ... ${END})`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

/** reports/README.md as it should read now. */
export function currentReadme(): string {
  return withTable(readFileSync(join(ROOT, README), "utf8"), renderTable(checkIds(), collectProofs()));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const want = currentReadme();
    const have = readFileSync(join(ROOT, README), "utf8");
    if (process.argv.includes("--check")) {
      if (want !== have) {
        process.stderr.write(`error: the coverage table in ${README} is out of date (run \`npm run coverage-table\`)\n`);
        process.exit(1);
      }
    } else if (want !== have) {
      writeFileSync(join(ROOT, README), want);
      process.stdout.write(`wrote the coverage table in ${README}\n`);
    } else {
      process.stdout.write(`the coverage table in ${README} is up to date\n`);
    }
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
