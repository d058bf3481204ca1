// What the authentication plugins share (basic-auth and jwt; key-auth keeps its own long-standing
// helpers): loading the consumer through the node cache (kong.client.load_consumer, which finds an
// `anonymous` value by id, else by username), and setting the X-Consumer-* request headers and the
// authenticated consumer (kong.client.authenticate).
import type { Row } from "../../db/types.ts";
import { CONSUMER_HEADERS, type Exit, type NodeDeps, type RequestContext } from "./context.ts";
import { authBypassed, consumerHeadersDropped } from "./key-auth.ts";

const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** kong.client.load_consumer(id_or_username, search_by_username), cached under `consumers:<value>`. */
export function loadConsumer(idOrUsername: string, node: NodeDeps, byUsername: boolean): Promise<Row | null> {
  return node.state.cache.get(node.state.key("consumers", idOrUsername), async () => {
    if (isUuid(idOrUsername)) {
      const byId = await node.ds.entities.select("consumers", idOrUsername);
      if (byId) return byId;
    }
    return byUsername ? node.ds.entities.selectBy("consumers", "username", idOrUsername) : null;
  });
}

/** A credential header to set (string) or clear (null). */
export type CredentialHeaders = Readonly<Record<string, string | null>>;

/**
 * set_consumer of basic-auth/jwt: the consumer headers, the credential headers the plugin's version
 * sets, X-Anonymous-Consumer, and kong.client.authenticate. Authenticating with neither a consumer
 * nor a credential (an `anonymous` consumer that does not exist) raises, as the PDK does: 500.
 */
export function setConsumer(ctx: RequestContext, node: NodeDeps, consumer: Row | null, credential: Row | null, credentialHeaders: CredentialHeaders): void {
  if (!consumer && !credential) throw new Error("either credential or consumer must be provided");
  ctx.consumer = consumer;
  ctx.credential = credential;
  if (consumerHeadersDropped(node)) return;
  const h = ctx.upstreamHeaders;
  const set = (name: string, v: unknown): void => {
    if (v !== null && v !== undefined) h[name] = String(v);
    else delete h[name];
  };
  set(CONSUMER_HEADERS.id, consumer?.id);
  set(CONSUMER_HEADERS.customId, consumer?.custom_id);
  set(CONSUMER_HEADERS.username, consumer?.username);
  for (const [name, v] of Object.entries(credentialHeaders)) set(name, v);
  set(CONSUMER_HEADERS.anonymous, credential ? null : "true");
}

/**
 * The access phase of basic-auth and jwt around their own `authenticate`: skipped when an earlier
 * authentication plugin already authenticated and this one has `anonymous` (a logical OR), and under
 * the auth-bypass fault switches; a refusal falls back to the `anonymous` consumer when one is set.
 */
export async function authenticateOrAnonymous(conf: { readonly anonymous: string | null }, ctx: RequestContext, node: NodeDeps,
  authenticate: () => Promise<Exit | undefined>, anonymousHeaders: CredentialHeaders): Promise<Exit | undefined> {
  if (conf.anonymous !== null && ctx.credential !== null) return undefined;
  if (authBypassed(node)) return undefined;
  const exit = await authenticate();
  if (!exit || conf.anonymous === null) return exit;
  setConsumer(ctx, node, await loadConsumer(conf.anonymous, node, true), null, anonymousHeaders);
  return undefined;
}
