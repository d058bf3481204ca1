// Which password authentication the lab's Postgres asks for, and why. Kong talks to Postgres with
// pgmoon, and pgmoon speaks SCRAM-SHA-256 only from 1.13.0 (Kong 2.7.0): earlier Kong answers a
// SCRAM server (AuthenticationSASL, code 10) with `don't know how to auth: 10` and cannot run at
// all. Postgres 14+ stores SCRAM passwords by default, so a run with such a Kong gets an md5
// datastore (what operators of those versions run), unless the user asks for their real setting.
import { atLeast, compareVersions, parseVersion, v } from "../plan/version.ts";

export type PgAuth = "md5" | "scram-sha-256";
/** `auto`: md5 when any image of the run is a Kong whose pgmoon has no SCRAM, else scram-sha-256. */
export type PgAuthChoice = "auto" | PgAuth;
export const PG_AUTH_CHOICES: readonly PgAuthChoice[] = ["auto", "md5", "scram-sha-256"];

/** The first Kong release whose pgmoon (1.13.0) answers AuthenticationSASL with SCRAM-SHA-256. */
export const FIRST_KONG_WITH_SCRAM = "2.7.0";

/** pgmoon as each Kong release pins it in its rockspec (Kong/kong tags): from this Kong version on. */
const PGMOON_BY_KONG: readonly (readonly [kong: string, pgmoon: string])[] = [
  ["0.11.0", "1.8.0"], ["1.0.0", "1.9.0"], ["1.2.0", "1.10.0"], ["2.1.0", "1.11.0"], ["2.4.0", "1.12.0"],
  ["2.7.0", "1.13.0"], ["2.8.4", "1.16.0"], ["3.0.0", "1.15.0"], ["3.1.0", "1.16.0"], ["3.4.0", "1.16.2"],
];

/** The pgmoon version a Kong release ships, or undefined for a version older than the table or not a version. */
export function pgmoonOf(kongVersion: string): string | undefined {
  const parsed = parseVersion(kongVersion);
  if (!parsed) return undefined;
  let found: string | undefined;
  for (const [kong, pgmoon] of PGMOON_BY_KONG) if (compareVersions(parsed, v(kong)) >= 0) found = pgmoon;
  return found;
}

/** False for a Kong version whose Postgres client cannot answer SCRAM; true when it can or the version is unknown. */
export function speaksScram(kongVersion: string): boolean {
  const parsed = parseVersion(kongVersion);
  return parsed === undefined || atLeast(parsed, FIRST_KONG_WITH_SCRAM);
}

/** The authentication a run's datastore asks for: the choice itself, or for `auto` what every version can speak. */
export function resolvePgAuth(choice: PgAuthChoice, kongVersions: readonly string[]): PgAuth {
  if (choice !== "auto") return choice;
  return kongVersions.every(speaksScram) ? "scram-sha-256" : "md5";
}

/** `--pg-auth`'s value, or a one-line problem. */
export function pgAuthProblem(value: unknown): string | undefined {
  return PG_AUTH_CHOICES.includes(value as PgAuthChoice) ? undefined : `--pg-auth must be ${PG_AUTH_CHOICES.join(", ")}, but is "${String(value)}"`;
}

/** pgmoon's error when the server asks for an authentication it does not know (kong/cmd: `Error: don't know how to auth: 10`). */
const UNKNOWN_AUTH = /don't know how to auth: (\d+)/;

/**
 * The one-line diagnosis when a Kong command or node could not log in to the datastore because its
 * Postgres client does not speak the authentication the server asks for; undefined otherwise.
 */
export function pgLoginRefusal(image: { readonly ref: string; readonly version?: string }, output: string): string | undefined {
  const m = UNKNOWN_AUTH.exec(output);
  if (!m) return undefined;
  const pgmoon = image.version ? pgmoonOf(image.version) : undefined;
  const client = image.version ? `Kong ${image.version}'s Postgres client${pgmoon ? ` (pgmoon ${pgmoon})` : ""}` : `the Postgres client of ${image.ref}`;
  if (m[1] === "10") {
    return `${image.ref} cannot log in to the datastore: ${client} cannot use SCRAM-SHA-256 authentication (\`don't know how to auth: 10\`; SCRAM needs Kong ${FIRST_KONG_WITH_SCRAM}+); `
      + "run with --pg-auth md5 (Postgres: password_encryption=md5, md5 in pg_hba.conf)";
  }
  return `${image.ref} cannot log in to the datastore: ${client} does not know the authentication the server asks for (\`don't know how to auth: ${m[1]}\`); run with --pg-auth md5`;
}
