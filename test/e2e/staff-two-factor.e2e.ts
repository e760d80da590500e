/**
 * Journey (d): a reviewer's first sign-in sets up two-step sign-in — every staff role needs it —
 * and shows the ten recovery codes once; a later sign-in with a lost phone uses one of them.
 * Each page is checked with axe, on a 360 px phone too, and languages rotate step by step.
 */
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { organizations, staffUsers } from "../../src/db/schema/index.js";
import { hashPassword } from "../../src/identity/passwords.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, STAFF_PASSWORD, totpCode } from "./support/fixtures.js";
import { Journey, onPhone, openBrowser, submitForm, type Browser } from "./support/browser.js";

describe("journey: a reviewer sets up two-step sign-in and keeps recovery codes (Chromium)", function () {
  let portal: Portal;
  let browser: Browser;
  const journey = new Journey("d-staff-two-factor");
  const email = "reviewer@e2e.rightsdesk.test";

  before(async () => {
    portal = await startPortal();
    await createWorld(portal.ctx);
    const [org] = await portal.ctx.db.select().from(organizations).where(eq(organizations.slug, "e2e"));
    await portal.ctx.db.insert(staffUsers).values({ orgId: org!.id, role: "reviewer", email, name: "Riikka Reviewer", passwordHash: await hashPassword(STAFF_PASSWORD) });
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  async function password(): Promise<void> {
    const { page } = browser;
    await page.goto(`${portal.staffUrl}/staff/sign-in`);
    await page.locator("#field-email").fill(email);
    await page.locator("#field-password").fill(STAFF_PASSWORD);
    await submitForm(page, "/staff/sign-in");
  }

  it("enrols at the first sign-in, shows ten codes once, and takes one of them when the phone is lost", async () => {
    const { page } = browser;
    await password();
    expect(new URL(page.url()).pathname).to.equal("/staff/totp/setup");
    await journey.step(browser, "totp-setup", { locale: "fi" });
    const secret = (await page.locator("code.code").innerText()).trim();
    await page.locator("#field-code").fill(await totpCode(secret));
    await submitForm(page, "/staff/totp");

    expect(new URL(page.url()).pathname).to.equal("/staff/totp/recovery-codes");
    // Switching the language reloads the page, which makes a new set: read the codes after it.
    await journey.step(browser, "recovery-codes", { locale: "sv" });
    const codes = (await page.locator("ol.recovery-codes code").allInnerTexts()).map((c) => c.trim());
    expect(codes).to.have.length(10);
    expect(await onPhone(browser, journey, "recovery-codes-phone"), "sideways scroll at 360 px").to.equal(0);
    await submitForm(page, "/staff/totp/recovery-codes");
    expect(new URL(page.url()).pathname).to.equal("/staff");
    await journey.step(browser, "queue", { locale: "nl" });
    await page.goto(`${portal.staffUrl}/staff/account`);
    await journey.step(browser, "account", { locale: "et" });
    expect(await page.locator("dl.summary-list").innerText()).to.include("10");

    // Later, without the phone: a recovery code instead, and the page says how many are left.
    await submitForm(page, "/staff/sign-out");
    await password();
    expect(new URL(page.url()).pathname).to.equal("/staff/totp");
    // The answer to the code is a page of its own (not a redirect): choose its language before.
    await journey.step(browser, "totp-with-recovery-hint", { locale: "en" });
    await page.locator("#field-code").fill(codes[0]!);
    await submitForm(page, "/staff/totp");
    await journey.step(browser, "recovery-code-used", { locale: "keep" });
    expect(await page.locator("[role=status]").innerText()).to.include("Recovery codes left: 9");
    expect(await onPhone(browser, journey, "recovery-code-used-phone")).to.equal(0);
    await page.locator("a.button").click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/staff");
    journey.assertAllLocalesSeen();
  });
});
