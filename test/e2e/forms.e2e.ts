/**
 * Journey (g), issue #20 item 7: forms that never dead-end. A requester asks for a correction of a
 * chat: the statement has a step of its own with a GOV.UK character count that updates as they
 * type (and tells screen readers once typing pauses), an error there that names the limit, a
 * language switch that keeps what was typed, and "Check your answers" whose every Change link
 * lands on its field. "Exit this page" is on every step, labelled in that step's language, and
 * leaves at the end. Languages rotate step by step (all five); axe on every step; 360 px phone.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { translator, type Locale } from "../../src/platform/i18n.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, onPhone, openBrowser, submitForm, useLanguage, type Browser } from "./support/browser.js";
import { clickAndWait, requesterSignsInByEmail } from "./support/people.js";

const neutral = "https://www.bbc.co.uk/weather";
const path = (page: Page) => new URL(page.url()).pathname;
const langOf = async (page: Page) => (await page.evaluate(() => document.documentElement.lang)) as Locale;

/** The quick exit is there, goes to the neutral site, and is labelled in the page's language. */
async function exitIsThere(page: Page): Promise<void> {
  const lang = await langOf(page);
  const link = page.locator(".exit-this-page a.exit-this-page-button");
  expect(await link.getAttribute("href"), `exit on ${path(page)}`).to.equal(neutral);
  expect((await link.innerText()).trim(), `exit label in ${lang}`).to.include(translator(lang)("platform.layout.exitThisPage"));
}

/** The count under the statement as the page's language writes it. */
async function countSays(page: Page, left: number): Promise<void> {
  const lang = await langOf(page);
  const t = translator(lang);
  const want = left >= 0 ? t("platform.characterCount.remaining", { count: left }) : t("platform.characterCount.tooMany", { count: -left });
  await page.waitForFunction(([w]) => document.getElementById("field-statement-info")?.textContent?.trim() === w, [want]);
}

describe("journey: forms that never dead-end (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let browser: Browser;
  const journey = new Journey("g-forms");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    browser = await openBrowser({ width: 360, height: 740 });
    await browser.context.route("https://www.bbc.co.uk/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Weather</title><h1>Weather</h1>" }));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("walks a correction: its own step, a live character count, the language switch keeping the text, Change links, quick exit", async () => {
    const person = await world.newRequester("forms");
    const { page } = browser;
    await requesterSignsInByEmail(portal, browser, journey, person);
    await exitIsThere(page);

    await clickAndWait(page, 'a[href="/requests/new"]');
    await journey.step(browser, "type");
    await page.locator('input[name="type"][value="rectification"]').check();
    await submitForm(page, "/requests/new/type");
    await journey.step(browser, "scope");
    await page.locator('input[name="scope"][value="chosen_conversations"]').check();
    await submitForm(page, "/requests/new/scope");
    await journey.step(browser, "conversations");
    await page.getByLabel(person.topics[0]!).check();
    await submitForm(page, "/requests/new/conversations");

    // The correction's own step: nothing entered is said here, before "Check your answers".
    expect(path(page)).to.equal("/requests/new/correction");
    await journey.step(browser, "correction");
    await exitIsThere(page);
    await countSays(page, 5000);
    await submitForm(page, "/requests/new/correction");
    expect(path(page)).to.equal("/requests/new/correction");
    await journey.step(browser, "correction-missing", { locale: "keep" });
    expect(await page.title()).to.match(new RegExp(`^${translator(await langOf(page))("platform.errors.titlePrefix")}`));
    expect(await page.locator('.error-summary a[href="#field-statement"]').count()).to.equal(1);

    // The count follows the typing at once; the live region speaks once typing pauses.
    const statement = page.locator("#field-statement");
    await statement.fill("The chat says I live in Turku.\nI have never lived there.");
    await countSays(page, 5000 - "The chat says I live in Turku.\nI have never lived there.".length);
    const live = page.locator('[data-module="character-count"] [aria-live="polite"]');
    await page.waitForFunction(() => (document.querySelector('[data-module="character-count"] [aria-live="polite"]')?.textContent ?? "") !== "");
    expect((await live.innerText()).trim()).to.equal((await page.locator("#field-statement-info").innerText()).trim());

    // Switching language keeps the typed text (nothing sent yet) and stays at the page's address.
    const typed = await statement.inputValue();
    await journey.step(browser, "correction-switched");
    expect(path(page)).to.equal("/requests/new/correction");
    expect(await page.locator("#field-statement").inputValue()).to.equal(typed);
    await countSays(page, 5000 - typed.length);
    await exitIsThere(page);

    // Over the limit: the count says by how much (no maxlength cuts the text), the server names the limit.
    await page.locator("#field-statement").fill(`${typed}\n${"x".repeat(5000 - typed.length)}`);
    await countSays(page, -1);
    expect(await page.locator("#field-statement-info.character-count-over").count()).to.equal(1);
    await submitForm(page, "/requests/new/correction");
    const lang = await journey.step(browser, "correction-too-long", { locale: "keep" });
    const limitText = translator(lang)("platform.errors.maxChars", { max: 5000 });
    expect((await page.locator("#field-statement-error").innerText())).to.include(limitText);
    expect((await page.locator('.error-summary a[href="#field-statement"]').innerText()).trim()).to.equal(limitText);
    await countSays(page, -1);
    // The switch on the error page (shown at the POST) keeps the long text too.
    await journey.step(browser, "correction-too-long-switched");
    expect((await page.locator("#field-statement").inputValue()).length).to.equal(5001);
    expect(await onPhone(browser, journey, "correction-phone")).to.equal(0);

    await page.locator("#field-statement").fill(typed);
    await submitForm(page, "/requests/new/correction");
    expect(path(page)).to.equal("/requests/new/details");
    await journey.step(browser, "details");
    await page.locator("#field-note").fill("Please fix it before my exam.");
    await submitForm(page, "/requests/new/details");
    expect(path(page)).to.equal("/requests/new/check");
    await journey.step(browser, "check-answers");
    expect(await onPhone(browser, journey, "check-answers-phone")).to.equal(0);

    // Every Change link lands on its field.
    const hrefs = await page.locator(".summary-list a").evaluateAll((links) => links.map((a) => a.getAttribute("href")!));
    expect(hrefs.length).to.be.at.least(6);
    for (const href of hrefs) {
      await clickAndWait(page, `.summary-list a[href="${href}"]`);
      const [target, fragment] = href.split("#");
      expect(path(page), href).to.equal(target);
      expect(await page.locator(`#${fragment}`).count(), href).to.equal(1);
      expect(await page.locator(`#${fragment}`).evaluate((el) => ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)), href).to.equal(true);
      await page.goBack();
      await page.waitForLoadState("load");
    }
    expect(path(page)).to.equal("/requests/new/check");
    await useLanguage(page, journey.nextLocale());
    await journey.step(browser, "check-again", { locale: "keep" });
    expect(await page.locator(".summary-list").innerText()).to.include("Turku").and.include("exam");
    await exitIsThere(page);
    journey.assertAllLocalesSeen();

    // Leaving with "Exit this page": the neutral site, and Back does not return to the form.
    await page.goto(`${portal.baseUrl}/requests`);
    await page.goto(`${portal.baseUrl}/requests/new/check`);
    await Promise.all([page.waitForURL(neutral), page.locator("a.exit-this-page-button").click()]);
    await page.goBack();
    expect(path(page)).to.equal("/requests");
  });
});
