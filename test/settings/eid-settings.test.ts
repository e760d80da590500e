/**
 * The strong eID settings: who may open and change them (the matrix), and what is stored — the
 * client secret and private keys sealed, never shown back or echoed into a re-rendered form, and
 * an audit entry that says they were replaced without holding them.
 */
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { exportJWK, generateKeyPair } from "jose";
import { describeOwnOrgScreen } from "../support/authorization.js";
import { auditLog, organizations } from "../../src/db/schema/index.js";
import { eidSettingsRouter } from "../../src/settings/eid-routes.js";
import { openClientSecret, openPrivateJwks, readEidConfig } from "../../src/identity/oidc-config.js";
import { signedInAgent } from "../support/http.js";
import { csrfOf } from "../support/authorization.js";

const valid = {
  enabled: "yes", providerLabel: "Matrix broker", issuer: "https://broker.example", clientId: "rp-1", clientAuth: "client_secret_basic",
  clientSecret: "matrix-secret-value", privateJwks: "", signedRequestObjects: "no", encryptedIdTokens: "no", acrValues: "loa3 loa2",
  identifierClaim: "sub", scope: "openid profile", requiredFor: "erasure",
};

describeOwnOrgScreen("eID settings authorization: every route × role × organization, plus anonymous", {
  slugs: ["eidset-a", "eidset-b"],
  router: eidSettingsRouter,
  routes: [
    { method: "get", path: "/staff/admin/settings/eid", roles: ["admin"] },
    { method: "post", path: "/staff/admin/settings/eid", roles: ["admin"] },
  ],
  fixtures: { "post /staff/admin/settings/eid": { body: valid } },
  attack: {
    path: "/staff/admin/settings/eid",
    body: { ...valid, providerLabel: "Taken over" },
    snapshot: async (ctx, orgId) => (await ctx.db.select({ eid: organizations.eidConfig }).from(organizations).where(eq(organizations.id, orgId)))[0],
  },
  more: (m) => {
    it("seals the secret and the private keys, never shows them back, and audits without them", async () => {
      const { ctx, app, orgA, staffIn } = m();
      const admin = staffIn[orgA.id]!.admin;
      const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: admin.id, host: `${orgA.slug}.test` });
      const sig = await generateKeyPair("RS256", { extractable: true });
      const jwk = { ...(await exportJWK(sig.privateKey)), kid: "k-sig", use: "sig", alg: "RS256" };
      const body = { ...valid, clientAuth: "private_key_jwt", privateJwks: JSON.stringify({ keys: [jwk] }), clientSecret: "" };

      // A broken key set: a field error, and neither secret comes back in the page.
      let token = await csrfOf(agent);
      let res = await agent.post("/staff/admin/settings/eid").type("form").send({ ...body, privateJwks: '{"keys":[{"kty":"RSA","kid":"x"}]}', clientSecret: "typed-secret-xyz", _csrf: token });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-privateJwks"').and.not.include("typed-secret-xyz").and.not.include('"kid":"x"');

      token = await csrfOf(agent);
      res = await agent.post("/staff/admin/settings/eid").type("form").send({ ...body, _csrf: token });
      expect(res.status, res.text).to.equal(303);
      const [org] = await ctx.db.select().from(organizations).where(eq(organizations.id, orgA.id));
      const stored = JSON.stringify(org!.eidConfig);
      expect(stored).not.to.include(jwk.d as string);
      const config = readEidConfig(org!)!;
      expect(openPrivateJwks(ctx.keys, orgA.id, config)[0]!.d).to.equal(jwk.d);
      expect(config.publicJwks[0]).to.include({ kid: "k-sig", kty: "RSA" }).and.not.have.property("d");

      const page = await agent.get("/staff/admin/settings/eid");
      expect(page.status).to.equal(200);
      expect(page.text).to.include("k-sig").and.not.include(jwk.d as string);

      // Switching to a client secret: stored sealed, shown only as "stored".
      token = await csrfOf(agent);
      res = await agent.post("/staff/admin/settings/eid").type("form").send({ ...valid, _csrf: token });
      expect(res.status).to.equal(303);
      const [again] = await ctx.db.select().from(organizations).where(eq(organizations.id, orgA.id));
      expect(JSON.stringify(again!.eidConfig)).not.to.include("matrix-secret-value");
      expect(openClientSecret(ctx.keys, orgA.id, readEidConfig(again!)!)).to.equal("matrix-secret-value");
      expect((await agent.get("/staff/admin/settings/eid")).text).not.to.include("matrix-secret-value");

      const audits = await ctx.db.select().from(auditLog).where(and(eq(auditLog.orgId, orgA.id), eq(auditLog.action, "organization.settings_changed")));
      const eidAudits = audits.filter((a) => (a.details as Record<string, unknown>).section === "eid");
      expect(eidAudits.length).to.be.greaterThan(1);
      const dump = JSON.stringify(eidAudits);
      expect(dump).not.to.include("matrix-secret-value").and.not.include(jwk.d as string);
      expect(dump).to.include("privateKeysReplaced").and.include("clientSecretReplaced");
    });

    it("refuses plain http to a remote provider, and private_key_jwt without a signing key", async () => {
      // Organization B has no keys stored yet.
      const { ctx, app, orgB, staffIn } = m();
      const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.admin.id, host: `${orgB.slug}.test` });
      let token = await csrfOf(agent);
      let res = await agent.post("/staff/admin/settings/eid").type("form").send({ ...valid, issuer: "http://broker.example", _csrf: token });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-issuer"');
      token = await csrfOf(agent);
      res = await agent.post("/staff/admin/settings/eid").type("form").send({ ...valid, issuer: "https://other.example", clientAuth: "private_key_jwt", _csrf: token });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-privateJwks"');
    });
  },
});
