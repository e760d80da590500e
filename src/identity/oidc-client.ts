/**
 * The relying party of strong eID sign-in, on openid-client 6: discovery, client authentication
 * (client_secret_basic or private_key_jwt), an authorization request with PKCE, state, nonce and
 * acr_values (as a signed request object where configured), and the callback's checks: state,
 * issuer, PKCE, the ID token's signature, issuer, audience, nonce and expiry (openid-client), the
 * decryption of an encrypted ID token, and the returned acr against the accepted list (here).
 */
import * as oidc from "openid-client";
import { importJWK, type JWK } from "jose";
import type { AppContext } from "../context.js";
import { sha256Hex } from "../platform/crypto.js";
import { keysFor, openClientSecret, openPrivateJwks, type EidConfig, type PrivateJwk } from "./oidc-config.js";

/** The path the provider sends the browser back to (registered as the client's redirect_uri). */
export const EID_CALLBACK_PATH = "/sign-in/eid/callback";

export function eidRedirectUri(ctx: Pick<AppContext, "config">): string {
  return `${ctx.config.BASE_URL}${EID_CALLBACK_PATH}`;
}

/** Plain http only to a provider on this machine (a local test provider), never in production. */
export function insecureAllowed(ctx: Pick<AppContext, "config">, issuer: string): boolean {
  if (ctx.config.NODE_ENV === "production") return false;
  const url = new URL(issuer);
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

interface Connected {
  config: oidc.Configuration;
  signingKey?: oidc.PrivateKey;
}

const DEFAULT_SIG_ALG: Record<string, string> = { RSA: "RS256", EC: "ES256", OKP: "EdDSA" };
const DEFAULT_ENC_ALG: Record<string, string> = { RSA: "RSA-OAEP-256", EC: "ECDH-ES" };

async function privateKey(jwk: PrivateJwk, defaults: Record<string, string>): Promise<{ key: CryptoKey; kid: string; alg: string }> {
  const alg = jwk.alg ?? defaults[jwk.kty ?? ""] ?? "RS256";
  const key = (await importJWK(jwk as JWK, alg)) as CryptoKey;
  return { key, kid: jwk.kid, alg };
}

/** Discovery is cached per organization and configuration for a few minutes. */
const CACHE_MS = 5 * 60_000;
const cache = new Map<string, { at: number; connected: Promise<Connected> }>();

export function forgetEidClients(): void {
  cache.clear();
}

export function connectEid(ctx: AppContext, orgId: string, config: EidConfig): Promise<Connected> {
  const key = `${orgId}:${sha256Hex(JSON.stringify(config))}:${ctx.config.BASE_URL}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.connected;
  const connected = connect(ctx, orgId, config);
  cache.set(key, { at: now, connected });
  connected.catch(() => cache.delete(key));
  return connected;
}

async function connect(ctx: AppContext, orgId: string, config: EidConfig): Promise<Connected> {
  const jwks = openPrivateJwks(ctx.keys, orgId, config);
  const sig = keysFor(jwks, "sig")[0];
  const signingKey = sig ? await privateKey(sig, DEFAULT_SIG_ALG) : undefined;
  const metadata: Partial<oidc.ClientMetadata> = {
    client_id: config.clientId,
    redirect_uris: [eidRedirectUri(ctx)],
    token_endpoint_auth_method: config.clientAuth,
  };
  let auth: oidc.ClientAuth;
  if (config.clientAuth === "private_key_jwt") {
    if (!signingKey) throw new EidRefused("not_configured");
    auth = oidc.PrivateKeyJwt({ key: signingKey.key, kid: signingKey.kid });
  } else {
    auth = oidc.ClientSecretBasic(openClientSecret(ctx.keys, orgId, config) ?? "");
  }
  const options = { execute: insecureAllowed(ctx, config.issuer) ? [oidc.allowInsecureRequests] : [], timeout: 10 };
  let discovered: oidc.Configuration;
  try {
    discovered = await oidc.discovery(new URL(config.issuer), config.clientId, metadata, auth, options);
  } catch (err) {
    throw new EidRefused(reasonOf(err, "discovery_failed"), err);
  }
  if (config.encryptedIdTokens) {
    const decryption = await Promise.all(keysFor(jwks, "enc").map((k) => privateKey(k, DEFAULT_ENC_ALG)));
    if (decryption.length === 0) throw new EidRefused("not_configured");
    oidc.enableDecryptingResponses(discovered, undefined, ...decryption);
  }
  return { config: discovered, signingKey: signingKey ? { key: signingKey.key, kid: signingKey.kid } : undefined };
}

/** What the browser keeps (sealed) between the redirect to the provider and its answer. */
export interface EidFlow {
  state: string;
  nonce: string;
  verifier: string;
}

export function newEidFlow(): EidFlow {
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
}

/** The provider's authorization URL for this flow (a signed request object where configured). */
export async function eidAuthorizationUrl(ctx: AppContext, orgId: string, config: EidConfig, flow: EidFlow, locale: string): Promise<URL> {
  const { config: client, signingKey } = await connectEid(ctx, orgId, config);
  const params: Record<string, string> = {
    redirect_uri: eidRedirectUri(ctx),
    response_type: "code",
    scope: config.scope,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: "S256",
    ui_locales: locale,
  };
  if (config.acrValues.length) params.acr_values = config.acrValues.join(" ");
  if (config.signedRequestObjects) {
    if (!signingKey) throw new EidRefused("not_configured");
    return oidc.buildAuthorizationUrlWithJAR(client, params, signingKey);
  }
  return oidc.buildAuthorizationUrl(client, params);
}

/** Why an eID sign-in was refused: stable codes for the audit log (never tokens or claims' values). */
export class EidRefused extends Error {
  constructor(readonly reason: string, cause?: unknown) {
    super(`eID sign-in refused: ${reason}`, { cause });
  }
}

/** A short, stable reason from openid-client's (oauth4webapi's) errors. */
function reasonOf(err: unknown, fallback: string): string {
  // openid-client wraps oauth4webapi's error, whose message names the parameter or claim that
  // failed in quotes ('unexpected "state" response parameter value'). Its cause holds the claims:
  // never logged or stored.
  const e = err as { code?: string; error?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.error) return `provider_${e.error}`.slice(0, 60);
  const code = e?.cause?.code ?? e?.code;
  const named = /"([a-z_]+)"/.exec(e?.cause?.message ?? e?.message ?? "")?.[1];
  if (code && named) return `${code}:${named}`.toLowerCase().slice(0, 60);
  if (code) return code.toLowerCase().slice(0, 60);
  return fallback;
}

export interface EidClaims {
  identifier: string;
  name: string | null;
  acr: string;
}

/**
 * Completes the flow from the URL the provider sent the browser to. Throws EidRefused on any
 * failed check, including an acr that is not one of the accepted values.
 */
export async function completeEidFlow(ctx: AppContext, orgId: string, config: EidConfig, flow: EidFlow, callbackUrl: URL): Promise<EidClaims> {
  const { config: client } = await connectEid(ctx, orgId, config);
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(client, callbackUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw new EidRefused(reasonOf(err, "token_failed"), err);
  }
  const claims = tokens.claims();
  if (!claims) throw new EidRefused("no_id_token");
  if (config.encryptedIdTokens && !oidc.getDecryptedResponses(tokens)) throw new EidRefused("id_token_not_encrypted");
  const acr = typeof claims.acr === "string" ? claims.acr : "";
  if (!config.acrValues.includes(acr)) throw new EidRefused("acr_below_required");
  const raw = claims[config.identifierClaim];
  if (typeof raw !== "string" || raw.trim() === "" || raw.length > 256) throw new EidRefused("no_identifier");
  const name = typeof claims.name === "string" ? claims.name : [claims.given_name, claims.family_name].filter((x) => typeof x === "string").join(" ") || null;
  return { identifier: raw.trim(), name: name ? name.slice(0, 300) : null, acr };
}
