/**
 * An organization's strong eID sign-in (OpenID Connect), as stored in organizations.eid_config:
 * read tolerantly here (identity signs people in with it, settings edits it, requests asks which
 * types need it). Secrets (client secret, private JWKs) are stored sealed with the keyring and are
 * never shown back; only the public halves of the keys are kept in the clear.
 */
import crypto from "node:crypto";
import { z } from "zod";
import { requestTypes, type RequestType } from "../db/schema/index.js";
import type { KeyRing } from "../platform/crypto.js";

export const clientAuthMethods = ["client_secret_basic", "private_key_jwt"] as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[number];

/** A public JWK as shown to the admin and published to the provider (no private members). */
export type PublicJwk = { kty: string; kid: string; use?: string; alg?: string } & Record<string, unknown>;

export interface EidConfig {
  enabled: boolean;
  /** Shown to requesters and recorded on requests, e.g. "Finnish Trust Network (broker)". */
  providerLabel: string;
  issuer: string;
  clientId: string;
  clientAuth: ClientAuthMethod;
  clientSecretSealed: string | null;
  privateJwksSealed: string | null;
  publicJwks: PublicJwk[];
  signedRequestObjects: boolean;
  encryptedIdTokens: boolean;
  /** Requested as acr_values, in order of preference; a returned acr outside this list is refused. */
  acrValues: string[];
  /** The ID token claim that carries the person's identifier (e.g. a national identity number). */
  identifierClaim: string;
  scope: string;
  /** Request types that need strong eID. */
  requiredFor: RequestType[];
}

const stored = z.object({
  enabled: z.boolean().catch(false),
  providerLabel: z.string().min(1),
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  clientAuth: z.enum(clientAuthMethods).catch("client_secret_basic"),
  clientSecretSealed: z.string().nullable().catch(null),
  privateJwksSealed: z.string().nullable().catch(null),
  publicJwks: z.array(z.object({ kty: z.string(), kid: z.string() }).passthrough()).catch([]) as unknown as z.ZodType<PublicJwk[]>,
  signedRequestObjects: z.boolean().catch(false),
  encryptedIdTokens: z.boolean().catch(false),
  acrValues: z.array(z.string().min(1)).catch([]),
  identifierClaim: z.string().min(1).catch("sub"),
  scope: z.string().min(1).catch("openid profile"),
  requiredFor: z.array(z.enum(requestTypes)).catch([]),
});

/** The stored configuration, or null when there is none (or it cannot be read). */
export function readEidConfig(org: { eidConfig: Record<string, unknown> | null }): EidConfig | null {
  if (!org.eidConfig) return null;
  const parsed = stored.safeParse(org.eidConfig);
  return parsed.success ? parsed.data : null;
}

/** Configured and switched on: the third sign-in choice is shown, and its types need it. */
export function eidOffered(org: { eidConfig: Record<string, unknown> | null }): EidConfig | null {
  const config = readEidConfig(org);
  return config?.enabled ? config : null;
}

/** The request types that need strong eID at this organization (none where eID is not offered). */
export function typesNeedingEid(org: { eidConfig: Record<string, unknown> | null }): readonly RequestType[] {
  return eidOffered(org)?.requiredFor ?? [];
}

// --- secrets, sealed with the keyring ------------------------------------------------------------

export const secretPurpose = (orgId: string) => `eid-client-secret:${orgId}`;
export const jwksPurpose = (orgId: string) => `eid-private-jwks:${orgId}`;

export function sealClientSecret(keys: KeyRing, orgId: string, secret: string): string {
  return keys.sealWithMaster(secret, secretPurpose(orgId));
}

export function openClientSecret(keys: KeyRing, orgId: string, config: EidConfig): string | null {
  return config.clientSecretSealed ? keys.openWithMaster(config.clientSecretSealed, secretPurpose(orgId)) : null;
}

/** A private JWK as pasted by the admin: it has its private member(s) and a key id. */
export type PrivateJwk = crypto.JsonWebKey & { kid: string; use?: string; alg?: string };

export function sealPrivateJwks(keys: KeyRing, orgId: string, jwks: PrivateJwk[]): string {
  return keys.sealWithMaster(JSON.stringify({ keys: jwks }), jwksPurpose(orgId));
}

export function openPrivateJwks(keys: KeyRing, orgId: string, config: EidConfig): PrivateJwk[] {
  if (!config.privateJwksSealed) return [];
  return (JSON.parse(keys.openWithMaster(config.privateJwksSealed, jwksPurpose(orgId))) as { keys: PrivateJwk[] }).keys;
}

/**
 * Parses a pasted JWK set of private keys (or one JWK). Every key must be a private key Node can
 * import, with a kid; returns the keys and their public halves, or an i18n error key.
 */
export function parsePrivateJwks(text: string): { ok: true; keys: PrivateJwk[]; publicJwks: PublicJwk[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "identity.eidSettings.errors.jwksJson" };
  }
  const list = Array.isArray((json as { keys?: unknown })?.keys) ? (json as { keys: unknown[] }).keys : [json];
  const keys: PrivateJwk[] = [];
  const publicJwks: PublicJwk[] = [];
  for (const item of list) {
    if (!item || typeof item !== "object") return { ok: false, error: "identity.eidSettings.errors.jwksJson" };
    const jwk = item as PrivateJwk;
    if (typeof jwk.kid !== "string" || !jwk.kid || !("d" in jwk)) return { ok: false, error: "identity.eidSettings.errors.jwksPrivate" };
    try {
      const pub = crypto.createPublicKey(crypto.createPrivateKey({ key: jwk, format: "jwk" })).export({ format: "jwk" });
      publicJwks.push({ ...pub, kty: pub.kty!, kid: jwk.kid, ...(jwk.use ? { use: jwk.use } : {}), ...(jwk.alg ? { alg: jwk.alg } : {}) });
    } catch {
      return { ok: false, error: "identity.eidSettings.errors.jwksPrivate" };
    }
    keys.push(jwk);
  }
  if (keys.length === 0) return { ok: false, error: "identity.eidSettings.errors.jwksPrivate" };
  return { ok: true, keys, publicJwks };
}

/** The keys of one use: "sig" for private_key_jwt and request objects, "enc" for encrypted ID tokens. */
export function keysFor<K extends { use?: string; alg?: string }>(keys: K[], use: "sig" | "enc"): K[] {
  const encAlg = (alg?: string) => !!alg && /^(RSA-OAEP|ECDH-ES)/.test(alg);
  return keys.filter((k) => (k.use ? k.use === use : use === "enc" ? encAlg(k.alg) : !encAlg(k.alg)));
}

// --- the settings form ---------------------------------------------------------------------------

/** What the admin sends; a secret or key set left empty keeps the one stored. */
export interface EidSettingsInput {
  enabled: boolean;
  providerLabel: string;
  issuer: string;
  clientId: string;
  clientAuth: ClientAuthMethod;
  clientSecret: string;
  privateJwks: string;
  signedRequestObjects: boolean;
  encryptedIdTokens: boolean;
  acrValues: string[];
  identifierClaim: string;
  scope: string;
  requiredFor: RequestType[];
}

/**
 * The configuration to store for a form, sealing new secrets. Throws a field error map (i18n keys)
 * when it cannot work: e.g. private_key_jwt or encrypted ID tokens without a key of that use.
 */
export function eidConfigToStore(
  keys: KeyRing, orgId: string, input: EidSettingsInput, previous: EidConfig | null, opts: { allowLoopbackHttp: boolean },
): { config: EidConfig } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let issuerUrl: URL | undefined;
  try {
    issuerUrl = new URL(input.issuer);
  } catch {
    errors.issuer = "identity.eidSettings.errors.issuer";
  }
  const loopback = issuerUrl && ["127.0.0.1", "localhost", "[::1]"].includes(issuerUrl.hostname);
  if (issuerUrl && !(issuerUrl.protocol === "https:" || (issuerUrl.protocol === "http:" && loopback && opts.allowLoopbackHttp))) errors.issuer = "identity.eidSettings.errors.issuer";
  let privateJwksSealed = previous?.privateJwksSealed ?? null;
  let publicJwks = previous?.publicJwks ?? [];
  if (input.privateJwks.trim()) {
    const parsed = parsePrivateJwks(input.privateJwks);
    if (!parsed.ok) errors.privateJwks = parsed.error;
    else {
      privateJwksSealed = sealPrivateJwks(keys, orgId, parsed.keys);
      publicJwks = parsed.publicJwks;
    }
  }
  const clientSecretSealed = input.clientSecret ? sealClientSecret(keys, orgId, input.clientSecret) : (previous?.clientSecretSealed ?? null);
  if (!errors.privateJwks) {
    const needsSig = input.clientAuth === "private_key_jwt" || input.signedRequestObjects;
    if (needsSig && keysFor(publicJwks, "sig").length === 0) errors.privateJwks = "identity.eidSettings.errors.needSigKey";
    else if (input.encryptedIdTokens && keysFor(publicJwks, "enc").length === 0) errors.privateJwks = "identity.eidSettings.errors.needEncKey";
  }
  if (input.clientAuth === "client_secret_basic" && !clientSecretSealed) errors.clientSecret = "identity.eidSettings.errors.clientSecret";
  if (input.acrValues.length === 0) errors.acrValues = "identity.eidSettings.errors.acrValues";
  if (Object.keys(errors).length) return { errors };
  return {
    config: {
      enabled: input.enabled, providerLabel: input.providerLabel, issuer: input.issuer.replace(/\/$/, ""), clientId: input.clientId, clientAuth: input.clientAuth,
      clientSecretSealed: input.clientAuth === "client_secret_basic" ? clientSecretSealed : null, privateJwksSealed, publicJwks,
      signedRequestObjects: input.signedRequestObjects, encryptedIdTokens: input.encryptedIdTokens, acrValues: input.acrValues,
      identifierClaim: input.identifierClaim, scope: input.scope, requiredFor: input.requiredFor,
    },
  };
}

/** The stored configuration as the settings page and the audit log may show it: no secrets, ever. */
export function eidConfigForDisplay(config: EidConfig | null) {
  if (!config) return null;
  const { clientSecretSealed, privateJwksSealed, ...rest } = config;
  return { ...rest, hasClientSecret: !!clientSecretSealed, hasPrivateKeys: !!privateJwksSealed };
}
