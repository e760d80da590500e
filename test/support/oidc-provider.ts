/**
 * A real OpenID provider (panva's oidc-provider) on 127.0.0.1, standing in for an eID broker:
 * clients authenticating with private_key_jwt or client_secret_basic, signed request objects,
 * encrypted ID tokens, acr values, PKCE required. Its sign-in page is a small form naming the test
 * person; the acr it answers is set by the test (what a broker reports for the method used).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import type { PrivateJwk, PublicJwk } from "../../src/identity/oidc-config.js";

export const ACR_STRONG = "http://ftn.ficora.fi/2017/loa3";
export const ACR_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2";
export const ACR_LOW = "urn:test:acr:low";

export interface TestPerson {
  id: string;
  name: string;
  /** The national identifier the broker releases (a fictional Finnish henkilötunnus). */
  personalIdentityCode: string;
}

export interface RpKeys {
  privateJwks: PrivateJwk[];
  publicJwks: PublicJwk[];
}

/** A relying party's own keys: one to sign (private_key_jwt, request objects), one to decrypt ID tokens. */
export async function rpKeys(): Promise<RpKeys> {
  const sig = await generateKeyPair("RS256", { extractable: true });
  const enc = await generateKeyPair("RSA-OAEP-256", { extractable: true });
  const sigPriv = { ...(await exportJWK(sig.privateKey)), kid: "rp-sig", use: "sig", alg: "RS256" };
  const encPriv = { ...(await exportJWK(enc.privateKey)), kid: "rp-enc", use: "enc", alg: "RSA-OAEP-256" };
  const sigPub = { ...(await exportJWK(sig.publicKey)), kid: "rp-sig", use: "sig", alg: "RS256" };
  const encPub = { ...(await exportJWK(enc.publicKey)), kid: "rp-enc", use: "enc", alg: "RSA-OAEP-256" };
  return { privateJwks: [sigPriv, encPriv] as PrivateJwk[], publicJwks: [sigPub, encPub] as PublicJwk[] };
}

export interface TestClient {
  clientId: string;
  redirectUri: string;
  /** private_key_jwt with these public keys (and encrypted ID tokens, signed request objects), else a secret. */
  jwks?: PublicJwk[];
  secret?: string;
  encryptedIdTokens?: boolean;
  requestObjects?: boolean;
}

export interface TestProvider {
  issuer: string;
  /** The acr the next sign-ins report. */
  acr: string;
  /** Lifetime of authorization codes in seconds. */
  codeTtl: number;
  /**
   * A misbehaving broker: the token endpoint answers an ID token it issued to this other client
   * (properly signed by the provider, same person, same nonce) instead of the requesting client's.
   */
  idTokenAudience?: string;
  stop(): Promise<void>;
}

export async function startProvider(opts: { people: TestPerson[]; clients: TestClient[] }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const state: TestProvider = { issuer, acr: ACR_STRONG, codeTtl: 60, stop: async () => undefined };

  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      redirect_uris: [c.redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      ...(c.jwks
        ? { token_endpoint_auth_method: "private_key_jwt", token_endpoint_auth_signing_alg: "RS256", jwks: { keys: c.jwks } }
        : { token_endpoint_auth_method: "client_secret_basic", client_secret: c.secret }),
      ...(c.encryptedIdTokens ? { id_token_encrypted_response_alg: "RSA-OAEP-256", id_token_encrypted_response_enc: "A256GCM" } : {}),
      ...(c.requestObjects ? { request_object_signing_alg: "RS256" } : {}),
    })),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "op-sig", use: "sig", alg: "RS256" }] },
    acrValues: [ACR_LOW, ACR_SUBSTANTIAL, ACR_STRONG],
    claims: { openid: ["sub"], profile: ["name", "given_name", "family_name", "personal_identity_code"] },
    // Brokers put the person's claims in the ID token itself.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      encryption: { enabled: true },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
    },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: () => state.codeTtl },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const person = opts.people.find((p) => p.id === id);
      if (!person) return undefined;
      const [given, ...family] = person.name.split(" ");
      return {
        accountId: id,
        claims: () => ({ sub: id, name: person.name, given_name: given, family_name: family.join(" "), personal_identity_code: person.personalIdentityCode }),
      };
    },
  });
  provider.use(async (kctx, next) => {
    await next();
    const body = kctx.body as { id_token?: string } | undefined;
    if (!state.idTokenAudience || kctx.path !== "/token" || !body?.id_token) return;
    const client = await provider.Client.find(state.idTokenAudience);
    const { iss: _iss, aud: _aud, exp: _exp, iat: _iat, azp: _azp, ...claims } = decodeJwt(body.id_token);
    const token = new provider.IdToken({ sub: claims.sub }, { ctx: kctx as unknown as KoaContextWithOIDC, client });
    for (const [k, v] of Object.entries(claims)) token.set(k, v);
    kctx.body = { ...body, id_token: await token.issue({ use: "idtoken" }) };
  });
  provider.on("server_error", (_ctx, err) => console.error("oidc-provider server_error", err));
  const callback = provider.callback();

  server.on("request", (req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(req.url ?? "");
    if (!match) return callback(req, res);
    void interaction(provider, state, req, res, match[1]!).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });

  state.stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  };
  return state;
}

/** The broker's sign-in page: choose the person (a test stands in for their bank ID), then back to the client. */
async function interaction(provider: Provider, state: TestProvider, req: http.IncomingMessage, res: http.ServerResponse, uid: string): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === "GET") {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="en"><head><title>Test eID broker</title></head><body><main><h1>Test eID broker</h1>
<form method="post" action="/interaction/${uid}"><label for="login">Person</label> <input id="login" name="login">
<button type="submit">Identify</button></form></main></body></html>`);
    return;
  }
  const body = await new Promise<string>((resolve) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => resolve(data));
  });
  const accountId = new URLSearchParams(body).get("login") ?? "";
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  grant.addOIDCClaims(["personal_identity_code", "name", "given_name", "family_name"]);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId, acr: state.acr }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

/** A cookie jar over fetch for the browser's visit to the provider (the portal is driven by supertest). */
export class ProviderVisit {
  private cookies = new Map<string, string>();

  /**
   * Follows the provider's redirects from the authorization URL through its sign-in page until
   * it sends the browser back to the portal; returns that callback URL.
   */
  async signIn(authorizationUrl: string, personId: string, portalPrefix: string): Promise<URL> {
    let url = authorizationUrl;
    let posted = false;
    for (let hops = 0; hops < 12; hops++) {
      if (url.startsWith(portalPrefix)) return new URL(url);
      const onPage = /\/interaction\/[\w-]+$/.test(new URL(url).pathname);
      const res = await fetch(url, {
        method: onPage && !posted ? "POST" : "GET",
        redirect: "manual",
        headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "), ...(onPage && !posted ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        body: onPage && !posted ? new URLSearchParams({ login: personId }).toString() : undefined,
      });
      if (onPage) posted = true;
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const eq = pair!.indexOf("=");
        this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      const location = res.headers.get("location");
      if (!location) throw new Error(`provider answered ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`);
      url = new URL(location, url).href;
    }
    throw new Error("too many redirects at the provider");
  }
}
