/**
 * Journey: a requester signed in with an e-mail code asks for an erasure that needs strong
 * identity; the portal offers the eID step; they identify at a real OpenID provider (oidc-provider
 * on 127.0.0.1: private_key_jwt, a signed request object, an encrypted ID token) and come back to
 * their question; the request is sent, and the DPO's case page says "strong eID".
 */
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { organizations, requests } from "../../src/db/schema/index.js";
import { eidRedirectUri } from "../../src/identity/oidc-client.js";
import { eidConfigToStore } from "../../src/identity/oidc-config.js";
import { organizationsChanged } from "../../src/platform/organizations.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, openBrowser, submitForm, type Browser } from "./support/browser.js";
import { requesterSignsInByEmail, staffOpensRequest, staffSignsIn } from "./support/people.js";
import { ACR_STRONG, rpKeys, startProvider, type TestProvider } from "../support/oidc-provider.js";

describe("journey: erasure that needs strong eID, through a real OpenID provider (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let provider: TestProvider;
  let requester: Browser;
  let dpo: Browser;
  const journey = new Journey("eid-erasure");
  const person = { id: "e2e-person", name: "Aino Virtanen", personalIdentityCode: "010190-123A" };

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    const keys = await rpKeys();
    provider = await startProvider({
      people: [person],
      clients: [{ clientId: "portal", redirectUri: eidRedirectUri(portal.ctx), jwks: keys.publicJwks, encryptedIdTokens: true, requestObjects: true }],
    });
    const [org] = await portal.ctx.db.select().from(organizations).where(eq(organizations.slug, "e2e"));
    const stored = eidConfigToStore(portal.ctx.keys, org!.id, {
      enabled: true, providerLabel: "Test eID broker", issuer: provider.issuer, clientId: "portal", clientAuth: "private_key_jwt", clientSecret: "",
      privateJwks: JSON.stringify({ keys: keys.privateJwks }), signedRequestObjects: true, encryptedIdTokens: true, acrValues: [ACR_STRONG],
      identifierClaim: "personal_identity_code", scope: "openid profile", requiredFor: ["erasure"],
    }, null, { allowLoopbackHttp: true });
    if ("errors" in stored) throw new Error(JSON.stringify(stored.errors));
    await portal.ctx.db.update(organizations).set({ eidConfig: stored.config as unknown as Record<string, unknown> }).where(eq(organizations.id, org!.id));
    organizationsChanged(portal.ctx);
    [requester, dpo] = await Promise.all([openBrowser(), openBrowser()]);
  });
  after(async () => {
    await Promise.all([requester?.close(), dpo?.close()]);
    await provider?.stop();
    await portal?.stop();
  });

  it("offers the eID step, signs in at the provider, and staff see strong eID on the case", async () => {
    const who = await world.newRequester("eid");
    await requesterSignsInByEmail(portal, requester, journey, who);
    const { page } = requester;

    // The third way to sign in is on the sign-in page too.
    await page.goto(`${portal.baseUrl}/requests/new`);
    await journey.step(requester, "type");
    await page.locator('input[name="type"][value="erasure"]').check();
    await submitForm(page, "/requests/new/type");
    expect(await page.locator("#step-up").count(), "the eID step is offered").to.equal(1);
    // Same language: switching it would load the question again, without the offer made to this answer.
    await journey.step(requester, "step-up-offered", { locale: "keep" });

    // At the provider: the test broker's page stands in for the bank's.
    await Promise.all([page.waitForURL((url) => url.origin === provider.issuer), page.locator("#step-up a.button").click()]);
    await page.locator("#login").fill(person.id);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(portal.baseUrl)), page.locator('button[type="submit"]').click()]);
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/requests/new/type");
    expect(await page.locator('input[name="type"][value="erasure"]').isChecked(), "back at the question, erasure still chosen").to.equal(true);
    await journey.step(requester, "back-from-eid");

    await submitForm(page, "/requests/new/type");
    expect(new URL(page.url()).pathname).to.equal("/requests/new/scope");
    await journey.step(requester, "scope");
    await page.locator('input[name="scope"][value="all_conversations"]').check();
    await submitForm(page, "/requests/new/scope");
    await journey.step(requester, "details");
    await page.locator("#field-note").fill("Please delete everything.");
    await submitForm(page, "/requests/new/details");
    await journey.step(requester, "check-answers");
    await submitForm(page, "/requests/new/check");
    expect(new URL(page.url()).pathname).to.match(/^\/requests\/[^/]+\/confirmation$/);
    await journey.step(requester, "confirmation");
    const reference = (await page.locator(".reference").innerText()).trim();

    const [row] = await portal.ctx.db.select().from(requests).where(eq(requests.reference, reference));
    expect(row).to.include({ assurance: "strong_eid", signedInWith: "email", eidProvider: "Test eID broker" });

    await staffSignsIn(portal, dpo, journey, world.dpo);
    await staffOpensRequest(dpo, journey, reference);
    await journey.step(dpo, "staff-sees-strong-eid", { locale: "en" });
    const identity = await dpo.page.locator("main").innerText();
    expect(identity).to.include("Verified with strong eID").and.include("Test eID broker").and.include(person.name);
    expect(identity).not.to.include(person.personalIdentityCode);
    journey.assertAllLocalesSeen();
  });
});
