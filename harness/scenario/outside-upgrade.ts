// Failures that say nothing about the upgrade: a Kong image that cannot log in to or reach the
// datastore the harness has just started, and an old image that does not start at all on the
// datastore its own bootstrap made. Each becomes an OutsideUpgradeError with the cause in one line,
// so the run ends with verdict "error" (exit 3) instead of blaming the upgrade.
import { pgLoginRefusal } from "../datastore/postgres-auth.ts";
import { OutsideUpgradeError } from "../errors.ts";
import type { KongImage } from "../kong/kong-image.ts";
import type { KongNodeExitedError } from "../kong/kong-wait.ts";

/** Kong's words when it cannot reach or log in to its datastore (pgmoon, lua-cassandra, the server's own refusals). */
const UNREACHABLE = /failed to retrieve PostgreSQL server_version_num|password authentication failed|no pg_hba\.conf entry|\[PostgreSQL error\] (connection refused|timeout|no resolver defined)|all hosts tried for query failed|host seems unhealthy/;

/** The line of a Kong command's or node's output that says what went wrong (its error line, else its last line). */
export function causeLine(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^Error: |\[error\]|\[emerg\]|\[crit\]/.test(l)) ?? lines.at(-1) ?? "(no output)";
}

/**
 * Why `image` could not use the datastore, from its output: a Postgres authentication its client does
 * not speak (with the way out), or a datastore it could not reach or log in to. Undefined otherwise.
 */
export function datastoreRefusal(image: Pick<KongImage, "ref"> & Partial<Pick<KongImage, "version">>, output: string): string | undefined {
  const login = pgLoginRefusal(image, output);
  if (login) return login;
  const m = UNREACHABLE.exec(output);
  if (!m) return undefined;
  const start = output.lastIndexOf("\n", m.index) + 1;
  const end = output.indexOf("\n", m.index);
  return `${image.ref} could not reach or log in to the datastore: ${output.slice(start, end < 0 ? undefined : end).trim()}`;
}

/** A failed `kong migrations bootstrap` that is the datastore's doing, as an OutsideUpgradeError; undefined otherwise. */
export function bootstrapRefusal(image: KongImage, result: { readonly exitCode: number; readonly stdout: string; readonly stderr: string }): OutsideUpgradeError | undefined {
  const why = datastoreRefusal(image, `${result.stdout}\n${result.stderr}`);
  return why ? new OutsideUpgradeError(`\`kong migrations bootstrap\` exited ${result.exitCode}: ${why}`) : undefined;
}

/**
 * A node that exited at start, when that is outside the upgrade: it could not use the datastore,
 * or it is the old image on the datastore its own bootstrap just made (before any upgrade step).
 */
export function nodeStartRefusal(image: KongImage, err: KongNodeExitedError, beforeUpgrade: boolean): OutsideUpgradeError | undefined {
  const output = `${err.stdout}\n${err.stderr}`;
  const why = datastoreRefusal(image, output);
  if (why) return new OutsideUpgradeError(`node "${err.node}" exited ${err.exitCode} at start: ${why}`, { cause: err });
  if (!beforeUpgrade) return undefined;
  return new OutsideUpgradeError(`the old image ${image.ref} does not start on the datastore it just bootstrapped, before any upgrade step: node "${err.node}" exited ${err.exitCode}: ${causeLine(output)}`, { cause: err });
}
