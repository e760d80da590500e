/**
 * A helpline goes live: the first admin, invited by `npm run setup`, sets a password and TOTP,
 * lands on the checklist, fills in every settings page (one refused for a missing language
 * first), and the requester's start page changes from "not open yet" to the request flow. Every
 * page is checked with axe and on a 360 px phone, in all five languages in turn.
 */
import { expect } from "chai";
import { generate } from "otplib";
import { startPortal, type Portal } from "./support/server.js";
import { allLocales, Journey, onPhone, openBrowser, submitForm, type Browser } from "./support/browser.js";
import { setUpOrganization } from "../../src/staff/set-up-organization.js";
import { demoPrivacyInfo } from "../../src/seed/demo-settings.js";

const PASSWORD = "orbit meadow lantern quietly 58";
const locales = ["fi", "sv", "en", "nl", "et"] as const;

describe("going live: the first admin's set-up checklist (Chromium)", function () {
  let portal: Portal;
  let admin: Browser;
  let visitor: Browser;
  let invitePath: string;

  before(async () => {
    portal = await startPortal();
    const { invitation } = await setUpOrganization(portal.ctx, {
      name: "Nuorten Apu ry", slug: "nuorten-apu", hosts: [], country: "FI", timeZone: "Europe/Helsinki", locales: [...locales], defaultLocale: "fi",
      dpoEmail: "tietosuoja@nuortenapu.example", adminName: "Anna Admin", adminEmail: "anna@nuortenapu.example",
    }, { mail: false });
    invitePath = new URL(invitation.inviteUrl).pathname;
    admin = await openBrowser();
    visitor = await openBrowser();
  });
  after(async () => {
    await admin?.close();
    await visitor?.close();
    await portal?.stop();
  });

  it("from the invitation to open request pages", async () => {
    const journey = new Journey("admin-setup", allLocales);
    const v = visitor.page;
    const closed = await v.goto(`${portal.baseUrl}/`);
    expect(closed!.status()).to.equal(503);
    await journey.step(visitor, "not-open-yet", { locale: "keep" });
    expect(await v.locator("h1").innerText()).to.equal("Not open yet");
    expect(await onPhone(visitor, journey, "not-open-yet-phone")).to.equal(0);

    const { page } = admin;
    await page.goto(`${portal.staffUrl}${invitePath}`);
    await journey.step(admin, "invitation");
    await page.locator("#field-password").fill(PASSWORD);
    await page.locator("#field-confirm").fill(PASSWORD);
    await submitForm(page, "/staff/invite");
    await journey.step(admin, "sign-in");
    await page.locator("#field-email").fill("anna@nuortenapu.example");
    await page.locator("#field-password").fill(PASSWORD);
    await submitForm(page, "/staff/sign-in");
    expect(new URL(page.url()).pathname).to.equal("/staff/totp/setup");
    await journey.step(admin, "totp-setup");
    const secret = (await page.locator("code.code").innerText()).trim();
    await page.locator("#field-code").fill(await generate({ secret }));
    await submitForm(page, "/staff/totp");
    expect(new URL(page.url()).pathname).to.equal("/staff/totp/recovery-codes");
    await journey.step(admin, "recovery-codes", { locale: "keep" });
    await submitForm(page, "/staff/totp/recovery-codes");
    expect(new URL(page.url()).pathname).to.equal("/staff/admin");
    await journey.step(admin, "checklist");
    expect(await page.locator(".task-list li").count()).to.equal(10);
    expect(await onPhone(admin, journey, "checklist-phone")).to.equal(0);

    // The first item: one language left out is refused next to its field; the summary takes focus.
    await page.locator('.task-list a[href$="#field-purposes"]').click();
    await journey.step(admin, "about");
    for (const field of ["purposes", "legalBases", "categories", "source"] as const) {
      for (const l of locales) if (!(field === "purposes" && l === "et")) await page.locator(`#field-${field}-${l}`).fill(demoPrivacyInfo[field][l]);
    }
    await submitForm(page, "/staff/admin/settings/about");
    expect(await page.evaluate(() => document.activeElement?.classList.contains("error-summary"))).to.equal(true);
    await journey.step(admin, "about-error", { locale: "keep" });
    await page.locator(".error-summary a").first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal("field-purposes-et");
    await page.locator("#field-purposes-et").fill(demoPrivacyInfo.purposes.et);
    expect(await onPhone(admin, journey, "about-phone")).to.equal(0);
    await submitForm(page, "/staff/admin/settings/about");
    expect(new URL(page.url()).pathname).to.equal("/staff/admin");
    await journey.step(admin, "saved");

    await page.goto(`${portal.staffUrl}/staff/admin/settings/transfers`);
    await journey.step(admin, "transfers");
    await page.locator("#field-outsideEea").check();
    await submitForm(page, "/staff/admin/settings/transfers");
    for (const section of ["contacts", "verification", "mail"]) {
      await page.goto(`${portal.staffUrl}/staff/admin/settings/${section}`);
      await journey.step(admin, section);
      expect(await onPhone(admin, journey, `${section}-phone`)).to.equal(0);
      await submitForm(page, `/staff/admin/settings/${section}`);
      expect(new URL(page.url()).pathname).to.equal("/staff/admin");
    }
    await page.goto(`${portal.staffUrl}/staff/retention`);
    await page.locator('input[name="preset"]').first().check();
    // A preset is applied after its changes are shown.
    await submitForm(page, "/staff/retention/preset/preview");
    await journey.step(admin, "retention-preset-diff", { locale: "keep" });
    await submitForm(page, "/staff/retention/preset");

    await page.goto(`${portal.staffUrl}/staff/admin`);
    await journey.step(admin, "all-done");
    expect(await page.locator(".task-list .tag-soon").count()).to.equal(0);
    await page.goto(`${portal.staffUrl}/staff/admin/settings`);
    await journey.step(admin, "overview");
    expect(await onPhone(admin, journey, "overview-phone")).to.equal(0);

    const open = await v.goto(`${portal.baseUrl}/`);
    expect(open!.status()).to.equal(200);
    await journey.step(visitor, "start-page");
    await v.locator("a.button-start").click();
    await v.waitForURL(/\/sign-in$/);
    await journey.step(visitor, "sign-in");
    journey.assertAllLocalesSeen();
  });
});
