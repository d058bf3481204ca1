// The secret values of a user's configuration, and their removal from any text a run writes.
// Secrets: key-auth keys, basic-auth passwords, JWT secrets and RSA keys, HMAC secrets, OAuth2
// client secrets, certificate private keys, and plugin configuration values whose field name says
// they are secret (see SECRET_FIELD), including the value part of "Name: value" header entries
// (request-transformer's add.headers) whose header name says so.
import type { ConfigEntity, EntityKind, KongConfig } from "./model.ts";

/** The secret fields of each entity kind. */
const SECRET_FIELDS: Readonly<Partial<Record<EntityKind, readonly string[]>>> = {
  keyauth_credentials: ["key"],
  basicauth_credentials: ["password"],
  jwt_secrets: ["secret", "rsa_public_key"],
  hmacauth_credentials: ["secret"],
  oauth2_credentials: ["client_secret"],
  certificates: ["key", "key_alt"],
};

/**
 * A plugin configuration field holding a secret, by its name: passwords, secrets, tokens,
 * credentials, API or private keys, and any `key` or `*_key` (oauth2's provision_key, acme's
 * account_key, aws-lambda's aws_key). Names that only mention a key (key_names, key_in_header,
 * key_claim_name) are settings, not secrets, and do not match.
 */
const SECRET_FIELD = /(?:password|passwd|secret|token|credential|api_?key|private_?key|^key$|_key$)/i;

/** A header entry ("Authorization: Bearer x", "apikey:x") whose header names a secret. */
const SECRET_HEADER = /^\s*((?:authorization|proxy-authorization|cookie|[\w-]*(?:key|token|secret|password)[\w-]*))\s*:\s*(.+?)\s*$/i;

/** Every secret value of the file, each once. */
export function configSecrets(config: KongConfig): string[] {
  const found = new Set<string>();
  for (const e of config.entities) {
    for (const field of SECRET_FIELDS[e.kind] ?? []) addString(found, e.fields[field]);
    if (e.kind === "plugins") pluginSecrets(e, found);
  }
  return [...found];
}

function pluginSecrets(e: ConfigEntity, found: Set<string>): void {
  const walk = (value: unknown, secretName: boolean): void => {
    if (typeof value === "string") {
      if (secretName) addString(found, value);
      else headerSecret(found, SECRET_HEADER.exec(value)?.[2]);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secretName);
    } else if (typeof value === "object" && value !== null) {
      for (const [name, inner] of Object.entries(value)) walk(inner, secretName || SECRET_FIELD.test(name));
    }
  };
  walk(e.fields.config, false);
}

/** A secret header's value, and the credential of an "<scheme> <credential>" one (Authorization: Bearer x), which may show alone. */
function headerSecret(found: Set<string>, value: string | undefined): void {
  addString(found, value);
  addString(found, value && /^[A-Za-z][\w-]*\s+(\S+)$/.exec(value)?.[1]);
}

function addString(found: Set<string>, value: unknown): void {
  if (typeof value === "string" && value !== "") found.add(value);
}

/**
 * Secrets shorter than this are not redacted: replacing every occurrence of a 1-3 character
 * string would rewrite ordinary words and markup ("id", "<tr>") and break the report's JSON and
 * HTML, while hiding nothing a guess would not find. unredactable() lists them, so a run can say so.
 */
export const MIN_REDACTED_LENGTH = 4;

export const REDACTED = "[redacted]";

/** The secrets redact() leaves as they are (too short), for a warning. */
export const unredactable = (secrets: readonly string[]): string[] => secrets.filter((s) => s.length < MIN_REDACTED_LENGTH);

/**
 * Replaces every secret in `text` with [redacted], longest first (a secret containing another is
 * replaced whole). Each secret is also looked for as it appears escaped in JSON, HTML, XML,
 * Markdown and a URL, because reports write it that way (a Markdown table cell escapes `|`).
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_REDACTED_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(escapeMarkup(secret, "&#39;"));
    forms.add(escapeMarkup(secret, "&apos;"));
    forms.add(secret.replace(/\|/g, "\\|"));
    forms.add(encodeURIComponent(secret));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
}

/** HTML writes an apostrophe as &#39;, XML (junit.xml) as &apos;. */
function escapeMarkup(s: string, apostrophe: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, apostrophe);
}
