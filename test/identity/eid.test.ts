/**
 * Strong eID sign-in against a real OpenID provider (oidc-provider) on 127.0.0.1: the success
 * path with private_key_jwt, a signed request object and an encrypted ID token, and every refusal
 * the issue names — wrong state, wrong nonce, an expired or replayed code, a wrong issuer or
 * audience, an acr below the level required — none of which starts a session.
 */
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import request from "supertest";
import { buildApp } from "../../src/app.js";
import { auditLog, eidIdentities, organizations, requests, sessions } from "../../src/db/schema/index.js";
import { forgetEidClients } from "../../src/identity/oidc-client.js";
import { eidConfigToStore, type EidSettingsInput } from "../../src/identity/oidc-config.js";
import { openNameFromProvider } from "../../src/identity/eid-identity.js";
import { organizationsChanged } from "../../src/platform/organizations.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject, TEST_PASSWORD } from "../support/factories.js";
import { csrfFrom, signedInAgent } from "../support/http.js";
import { ACR_LOW, ACR_STRONG, ACR_SUBSTANTIAL, ProviderVisit, rpKeys, startProvider, type RpKeys, type TestProvider } from "../support/oidc-provider.js";

const person = { id: "person-1", name: "Aino Virtanen", personalIdentityCode: "010190-123A" };
const other = { id: "person-2", name: "Aino Virtanen", personalIdentityCode: "020290-456B" };

type Org = Awaited<ReturnType<typeof makeOrg>>;

export async function configureEid(ctx: TestContext, org: Org, overrides: Partial<EidSettingsInput>): Promise<void> {
  const input: EidSettingsInput = {
    enabled: true, providerLabel: "Test broker", issuer: "", clientId: "", clientAuth: "private_key_jwt", clientSecret: "", privateJwks: "",
    signedRequestObjects: false, encryptedIdTokens: false, acrValues: [ACR_STRONG, ACR_SUBSTANTIAL], identifierClaim: "personal_identity_code",
    scope: "openid profile", requiredFor: ["erasure"], ...overrides,
  };
  const stored = eidConfigToStore(ctx.keys, org.id, input, null, { allowLoopbackHttp: true });
  if ("errors" in stored) throw new Error(JSON.stringify(stored.errors));
  await ctx.db.update(organizations).set({ eidConfig: stored.config as unknown as Record<string, unknown> }).where(eq(organizations.id, org.id));
  organizationsChanged(ctx);
}

describe("strong eID sign-in against a real OpenID provider", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let provider: TestProvider;
  let keys: RpKeys;
  let strict: Org; // private_key_jwt, signed request objects, encrypted ID tokens
  let plain: Org; // client_secret_basic, plain authorization request
  let callbackPrefix: string;

  before(async () => {
    keys = await rpKeys();
  });

  beforeEach(async () => {
    forgetEidClients();
    ctx = await freshContext();
    callbackPrefix = `${ctx.config.BASE_URL}/sign-in/eid/callback`;
    provider = await startProvider({
      people: [person, other],
      clients: [
        { clientId: "rp-strict", redirectUri: callbackPrefix, jwks: keys.publicJwks, encryptedIdTokens: true, requestObjects: true },
        { clientId: "rp-plain", redirectUri: callbackPrefix, secret: "a-long-enough-client-secret-for-hs256-0123456789" },
        { clientId: "rp-other", redirectUri: callbackPrefix, secret: "another-long-enough-client-secret-0123456789" },
      ],
    });
    strict = await makeOrg(ctx, { slug: "eid-strict" });
    plain = await makeOrg(ctx, { slug: "eid-plain" });
    await configureEid(ctx, strict, {
      issuer: provider.issuer, clientId: "rp-strict", clientAuth: "private_key_jwt", privateJwks: JSON.stringify({ keys: keys.privateJwks }),
      signedRequestObjects: true, encryptedIdTokens: true,
    });
    await configureEid(ctx, plain, { issuer: provider.issuer, clientId: "rp-plain", clientAuth: "client_secret_basic", clientSecret: "a-long-enough-client-secret-for-hs256-0123456789" });
    app = buildApp(ctx);
  });

  afterEach(async () => {
    await provider?.stop();
  });

  const agentOn = (org: Org) => request.agent(app).host(`${org.slug}.test`);

  /** Starts at the portal, returns the authorization URL the browser is sent to. */
  async function start(agent: ReturnType<typeof agentOn>, next = "/requests"): Promise<string> {
    const res = await agent.get(`/sign-in/eid?next=${encodeURIComponent(next)}`);
    expect(res.status, res.text).to.equal(303);
    expect(res.headers.location).to.match(new RegExp(`^${provider.issuer}/`));
    return res.headers.location as string;
  }

  async function callback(agent: ReturnType<typeof agentOn>, url: URL) {
    return agent.get(`${url.pathname}${url.search}`);
  }

  async function refusals(orgId: string): Promise<string[]> {
    const rows = await ctx.db.select().from(auditLog).where(and(eq(auditLog.orgId, orgId), eq(auditLog.action, "identity.sign_in.failed")));
    return rows.map((r) => String((r.details as Record<string, unknown>).reason));
  }

  async function sessionCount(orgId: string): Promise<number> {
    return (await ctx.db.select().from(sessions).where(eq(sessions.orgId, orgId))).length;
  }

  it("signs in with private_key_jwt, a signed request object and an encrypted ID token; the identifier is kept only as a blind index", async () => {
    const agent = agentOn(strict);
    const authUrl = new URL(await start(agent));
    // A signed request object carries the parameters: none of them travels in the clear.
    expect(authUrl.searchParams.get("request")).to.match(/^ey/);
    expect(authUrl.searchParams.get("nonce")).to.equal(null);
    const back = await new ProviderVisit().signIn(authUrl.href, person.id, callbackPrefix);
    const res = await callback(agent, back);
    expect(res.status, res.text).to.equal(303);
    expect(res.headers.location).to.equal("/requests");
    const mine = await agent.get("/requests");
    expect(mine.status).to.equal(200);

    const [session] = await ctx.db.select().from(sessions).where(eq(sessions.orgId, strict.id));
    expect(session!.assurance).to.equal("strong_eid");
    const [identity] = await ctx.db.select().from(eidIdentities).where(eq(eidIdentities.orgId, strict.id));
    expect(session!.eidIdentityId).to.equal(identity!.id);
    expect(identity!.lastAcr).to.equal(ACR_STRONG);
    expect(identity!.subjectId, "never linked by name or by anything else without proof").to.equal(null);
    // No column holds the national identifier or the name in the clear.
    const dump = JSON.stringify(identity);
    expect(dump).not.to.include(person.personalIdentityCode);
    expect(dump).not.to.include("Virtanen");
    expect(await openNameFromProvider(ctx.db, ctx.keys, identity!.id)).to.equal(person.name);
    const audits = await ctx.db.select().from(auditLog).where(and(eq(auditLog.orgId, strict.id), eq(auditLog.action, "identity.sign_in.succeeded")));
    expect(audits[0]!.details).to.include({ method: "eid", assurance: "strong_eid", provider: "Test broker", acr: ACR_STRONG });
    expect(JSON.stringify(audits)).not.to.include(person.personalIdentityCode);
  });

  it("signs in with client_secret_basic and a plain authorization request (PKCE, state, nonce, acr_values)", async () => {
    const agent = agentOn(plain);
    const authUrl = new URL(await start(agent));
    expect(authUrl.searchParams.get("code_challenge_method")).to.equal("S256");
    expect(authUrl.searchParams.get("state")).to.be.a("string");
    expect(authUrl.searchParams.get("nonce")).to.be.a("string");
    expect(authUrl.searchParams.get("acr_values")).to.equal(`${ACR_STRONG} ${ACR_SUBSTANTIAL}`);
    const back = await new ProviderVisit().signIn(authUrl.href, person.id, callbackPrefix);
    expect((await callback(agent, back)).status).to.equal(303);
    expect(await sessionCount(plain.id)).to.equal(1);
  });

  it("refuses a wrong state", async () => {
    const agent = agentOn(strict);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    back.searchParams.set("state", "not-the-state-we-sent");
    const res = await callback(agent, back);
    expect(res.status).to.equal(400);
    expect(await sessionCount(strict.id)).to.equal(0);
    expect((await refusals(strict.id))[0]).to.match(/state/);
  });

  it("refuses a wrong nonce (the request was altered on its way to the provider)", async () => {
    const agent = agentOn(plain);
    const authUrl = new URL(await start(agent));
    authUrl.searchParams.set("nonce", "a-nonce-of-the-attackers-choosing");
    const back = await new ProviderVisit().signIn(authUrl.href, person.id, callbackPrefix);
    const res = await callback(agent, back);
    expect(res.status).to.equal(400);
    expect(await sessionCount(plain.id)).to.equal(0);
    expect((await refusals(plain.id))[0]).to.match(/nonce/);
  });

  it("refuses an expired code", async () => {
    provider.codeTtl = 1;
    const agent = agentOn(strict);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const res = await callback(agent, back);
    expect(res.status).to.equal(400);
    expect(await sessionCount(strict.id)).to.equal(0);
    expect((await refusals(strict.id))[0]).to.equal("provider_invalid_grant");
  });

  it("refuses a replayed code, even with the flow cookie copied", async () => {
    const agent = agentOn(strict);
    const started = await agent.get("/sign-in/eid");
    const flowCookie = ([] as string[]).concat(started.headers["set-cookie"] ?? []).find((c) => c.startsWith("rd_eid="))?.split(";")[0];
    expect(flowCookie, "the flow cookie").to.be.a("string");
    const back = await new ProviderVisit().signIn(started.headers.location as string, person.id, callbackPrefix);
    expect((await callback(agent, back)).status).to.equal(303);
    // The same browser again: its flow is over.
    expect((await callback(agent, back)).status).to.equal(400);
    // An attacker who copied the flow cookie too: the provider refuses the code a second time.
    const thief = agentOn(strict).set("Cookie", flowCookie!);
    expect((await thief.get(`${back.pathname}${back.search}`)).status).to.equal(400);
    expect(await sessionCount(strict.id)).to.equal(1);
    expect(await refusals(strict.id)).to.deep.equal(["no_flow", "provider_invalid_grant"]);
  });

  it("refuses a wrong issuer: in the authorization response, and from a provider that names another issuer", async () => {
    const agent = agentOn(strict);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    back.searchParams.set("iss", "https://broker.example");
    expect((await callback(agent, back)).status).to.equal(400);
    expect((await refusals(strict.id))[0]).to.match(/iss/);

    // Configured for an issuer the provider does not call itself: discovery is refused.
    await configureEid(ctx, plain, { issuer: provider.issuer.replace("127.0.0.1", "localhost"), clientId: "rp-plain", clientAuth: "client_secret_basic", clientSecret: "a-long-enough-client-secret-for-hs256-0123456789" });
    forgetEidClients();
    const res = await agentOn(plain).get("/sign-in/eid");
    expect(res.status).to.equal(502);
    expect(await sessionCount(strict.id) + await sessionCount(plain.id)).to.equal(0);
  });

  it("refuses a wrong audience: an ID token the provider issued to another client", async () => {
    provider.idTokenAudience = "rp-other";
    const agent = agentOn(plain);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    const res = await callback(agent, back);
    expect(res.status).to.equal(400);
    expect(await sessionCount(plain.id)).to.equal(0);
    expect((await refusals(plain.id))[0]).to.match(/aud/);
  });

  it("refuses an acr below the level required, and says so without a session", async () => {
    provider.acr = ACR_LOW;
    const agent = agentOn(strict);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    const res = await callback(agent, back);
    expect(res.status).to.equal(400);
    expect(await sessionCount(strict.id)).to.equal(0);
    expect(await refusals(strict.id)).to.deep.equal(["acr_below_required"]);
  });

  it("steps a chat-account session up and links the eID to that subject (verified path); another person's eID is refused, not merged", async () => {
    const subject = await makeSubject(ctx, strict.id);
    const agent = await signedInAgent(ctx, app, { orgId: strict.id, subjectId: subject.id, email: subject.email, assurance: "account", host: `${strict.slug}.test` });
    const back = await new ProviderVisit().signIn(await start(agent, "/requests/new/type"), person.id, callbackPrefix);
    const res = await callback(agent, back);
    expect(res.status, res.text).to.equal(303);
    expect(res.headers.location).to.equal("/requests/new/type");
    const [session] = await ctx.db.select().from(sessions).where(eq(sessions.orgId, strict.id));
    expect(session).to.include({ assurance: "strong_eid", steppedUpFrom: "account", subjectId: subject.id });
    const [identity] = await ctx.db.select().from(eidIdentities).where(eq(eidIdentities.id, session!.eidIdentityId!));
    expect(identity).to.include({ subjectId: subject.id, linkedBy: "chat_account" });

    // Someone else, same name, with their own chat account: their eID is not this subject's.
    const second = await makeSubject(ctx, strict.id, { displayName: "Aino Virtanen" });
    const agent2 = await signedInAgent(ctx, app, { orgId: strict.id, subjectId: second.id, email: second.email, assurance: "account", host: `${strict.slug}.test` });
    const back2 = await new ProviderVisit().signIn(await start(agent2), person.id, callbackPrefix);
    expect((await callback(agent2, back2)).status).to.equal(409);
    const [still] = await ctx.db.select().from(eidIdentities).where(eq(eidIdentities.id, identity!.id));
    expect(still!.subjectId).to.equal(subject.id);
  });

  it("step-up: a chat-account requester asking for an erasure is offered eID; the request records both; staff see strong eID", async () => {
    const subject = await makeSubject(ctx, strict.id);
    await makeConversation(ctx, strict.id, { subjectId: subject.id, topic: "Bullying" });
    const agent = agentOn(strict);
    const post = async (path: string, form: Record<string, string>) => {
      // The token first: an agent request picks up the jar's cookies when it is created.
      const token = await csrfFrom(agent, path);
      return agent.post(path).type("form").send({ ...form, _csrf: token });
    };
    expect((await post("/sign-in/password", { email: subject.email!, password: TEST_PASSWORD })).status).to.equal(303);
    await agent.get("/requests/new").expect(303);
    let res = await post("/requests/new/type", { type: "erasure" });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("confirm who you are with strong eID");
    const href = /href="(\/sign-in\/eid\?next=[^"]+)"/.exec(res.text)![1]!;
    const started = await agent.get(href);
    const back = await new ProviderVisit().signIn(started.headers.location as string, person.id, callbackPrefix);
    res = await callback(agent, back);
    expect(res.headers.location).to.equal("/requests/new/type?type=erasure");
    expect((await agent.get(res.headers.location as string)).text).to.match(/value="erasure"[^>]*checked/);
    expect((await post("/requests/new/type", { type: "erasure" })).headers.location).to.equal("/requests/new/scope");
    await post("/requests/new/scope", { scope: "all_conversations" });
    await post("/requests/new/details", { note: "" });
    expect((await post("/requests/new/check", {})).status).to.equal(303);

    const [row] = await ctx.db.select().from(requests).where(eq(requests.orgId, strict.id));
    expect(row).to.include({ assurance: "strong_eid", signedInWith: "account", eidProvider: "Test broker", subjectId: subject.id });
    const [submitted] = await ctx.db.select().from(auditLog).where(and(eq(auditLog.orgId, strict.id), eq(auditLog.action, "request.submitted")));
    expect(submitted!.details).to.include({ assurance: "strong_eid", eidProvider: "Test broker", signedInWith: "account" });

    const dpo = await makeStaff(ctx, strict.id, "dpo");
    const staff = await signedInAgent(ctx, app, { orgId: strict.id, kind: "staff", staffId: dpo.id, host: `${strict.slug}.test` });
    const page = await staff.get(`/staff/requests/${row!.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include("Verified with strong eID").and.include("Test broker").and.include(person.name).and.include("Chat account");
    expect(page.text).not.to.include(person.personalIdentityCode);
  });

  it("eID first, then the chat account in the same session: the eID is linked to that subject and the session stays strong", async () => {
    const subject = await makeSubject(ctx, strict.id);
    const agent = agentOn(strict);
    const back = await new ProviderVisit().signIn(await start(agent), person.id, callbackPrefix);
    expect((await callback(agent, back)).status).to.equal(303);
    const token = await csrfFrom(agent, "/sign-in/password");
    const res = await agent.post("/sign-in/password").type("form").send({ email: subject.email!, password: TEST_PASSWORD, _csrf: token });
    expect(res.status).to.equal(303);
    const rows = await ctx.db.select().from(sessions).where(eq(sessions.orgId, strict.id));
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ subjectId: subject.id, assurance: "strong_eid", steppedUpFrom: "account" });
    const [identity] = await ctx.db.select().from(eidIdentities).where(eq(eidIdentities.orgId, strict.id));
    expect(identity).to.include({ subjectId: subject.id, linkedBy: "chat_account" });
    const [linked] = await ctx.db.select().from(auditLog).where(and(eq(auditLog.orgId, strict.id), eq(auditLog.action, "identity.eid.linked")));
    expect(linked!.details).to.include({ linkedBy: "chat_account" });
  });

  it("a receipt-code session is stepped up without linking anything", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: strict.id, subjectId: null, assurance: "receipt", host: `${strict.slug}.test` });
    const back = await new ProviderVisit().signIn(await start(agent), other.id, callbackPrefix);
    expect((await callback(agent, back)).status).to.equal(303);
    const [identity] = await ctx.db.select().from(eidIdentities).where(eq(eidIdentities.orgId, strict.id));
    expect(identity!.subjectId).to.equal(null);
  });

  it("is no sign-in choice, and its pages do not exist, where it is not configured", async () => {
    const bare = await makeOrg(ctx, { slug: "eid-none" });
    expect((await agentOn(bare).get("/sign-in/eid")).status).to.equal(404);
    expect((await agentOn(bare).get("/sign-in")).text).not.to.include('value="eid"');
    expect((await agentOn(strict).get("/sign-in")).text).to.include('value="eid"');
  });
});
