// What the plugin DAOs do to credentials on write, beyond their field schemas (kong/plugins/*/daos.lua):
// basic-auth hashes the password with the consumer's id (crypto.lua, a `transformation` that needs
// `consumer.id`), jwt generates `key` and `secret` (auto = true) and checks the algorithm and RSA key,
// acl stores its composite cache key (consumer, group).
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { atLeast } from "../../catalogue/entities.ts";
import type { EntityTable, Row } from "../../db/types.ts";
import type { CacheKeyFn } from "../cache-keys.ts";
import type { FieldErrors } from "./errors.ts";

/** crypto.lua: sha1(password .. consumer_id) in hex; a missing password hashes as "". */
export function basicAuthHash(consumerId: string, password: unknown): string {
  return createHash("sha1").update(`${typeof password === "string" ? password : ""}${consumerId}`).digest("hex");
}

/** utils.random_string: 32 characters of base64 with only letters and digits kept (as Kong's generated keys look). */
export function randomString(): string {
  let s = "";
  while (s.length < 32) s += randomBytes(48).toString("base64").replace(/[^A-Za-z0-9]/g, "");
  return s.slice(0, 32);
}

/** jwt_secrets.algorithm's one_of per version: RS384 from 2.3.0, ES384 from 2.4.0. */
export function jwtAlgorithms(version: string): string[] {
  return ["HS256", "HS384", "HS512", "RS256", ...(atLeast(version, "2.3.0") ? ["RS384"] : []), "RS512", "ES256", ...(atLeast(version, "2.4.0") ? ["ES384"] : [])];
}

/** openssl pkey.new(key): whether OpenSSL reads the text as a key. */
function readableKey(pem: string): boolean {
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the daos make on a credential (row in column names, after the field checks); `given` is
 * the API input, `mode` the write.
 */
export function credentialChecks(version: string, table: EntityTable, row: Row, given: Readonly<Record<string, unknown>>, errors: FieldErrors): void {
  if (table === "basicauth_credentials" && "password" in given && given.consumer === undefined) {
    // The transformation needs consumer.id as well as the password (a PATCH of the password alone).
    errors["@entity"] = [...((errors["@entity"] as string[] | undefined) ?? []), "all or none of these fields must be set: 'password', 'consumer.id'"];
  }
  if (table === "jwt_secrets") {
    const algorithms = jwtAlgorithms(version);
    if (typeof row.algorithm === "string" && !algorithms.includes(row.algorithm)) errors.algorithm = `expected one of: ${algorithms.join(", ")}`;
    else if (typeof row.algorithm === "string" && /^RS(256|384|512)$/.test(row.algorithm)) {
      // The conditional entity check: an RS algorithm needs an rsa_public_key OpenSSL can read.
      const key = row.rsa_public_key;
      const keyError = key === null || key === undefined ? "required field missing" : typeof key === "string" && readableKey(key) ? undefined : "invalid key";
      if (keyError) {
        errors.rsa_public_key = keyError;
        errors["@entity"] = [...((errors["@entity"] as string[] | undefined) ?? []), "failed conditional validation given value of field 'algorithm'"];
      }
    }
  }
}

/** Values the DAO fills in or derives on write: hashed password, generated jwt key/secret, acls' cache key. */
export function prepareCredential(table: EntityTable, row: Row, given: Readonly<Record<string, unknown>>, creating: boolean, key: CacheKeyFn): void {
  if (table === "basicauth_credentials" && "password" in given && typeof row.consumer_id === "string") {
    row.password = basicAuthHash(row.consumer_id, given.password);
  }
  if (table === "jwt_secrets" && creating) {
    if (row.key === undefined || row.key === null) row.key = randomString();
    if (row.secret === undefined || row.secret === null) row.secret = randomString();
  }
  if (table === "acls" && typeof row.consumer_id === "string" && typeof row.group === "string") {
    row.cache_key = key("acls", row.consumer_id, row.group);
  }
}
