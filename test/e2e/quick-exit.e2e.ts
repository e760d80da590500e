/**
 * "Exit this page" (GOV.UK component) on the requester pages: a plain link to the neutral site
 * (works without JavaScript), which with JavaScript replaces the history entry, so Back does not
 * return to the portal page; Shift pressed three times leaves too. Not on staff pages. The
 * neutral site is answered by the browser's route handler: these machines reach no internet.
 */
import { expect } from "chai";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld } from "./support/fixtures.js";
import { allLocales, Journey, openBrowser, type Browser } from "./support/browser.js";

const neutral = "https://www.bbc.co.uk/weather";

describe("quick exit (Chromium)", function () {
  let portal: Portal;
  let browser: Browser;

  before(async () => {
    portal = await startPortal();
    await createWorld(portal.ctx);
    browser = await openBrowser({ width: 360, height: 740 });
    await browser.context.route("https://www.bbc.co.uk/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Weather</title><h1>Weather</h1>" }));
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("is a link to the neutral site on every requester page, labelled in each language, and absent from staff pages", async () => {
    const journey = new Journey("quick-exit", allLocales);
    const { page } = browser;
    for (const p of ["/", "/sign-in", "/sign-in/email", "/how-to-complain", "/verify"]) {
      await page.goto(`${portal.baseUrl}${p}`);
      const locale = await journey.step(browser, p === "/" ? "home" : p.slice(1).replace(/\//g, "-"));
      const link = page.locator(".exit-this-page a.exit-this-page-button");
      expect(await link.getAttribute("href"), p).to.equal(neutral);
      const label = (await link.innerText()).trim();
      expect(label, `${p} in ${locale}`).to.not.equal("");
      if (locale !== "en") expect(label, `${p} in ${locale}`).to.not.include("Exit this page");
    }
    journey.assertAllLocalesSeen();
    await page.goto(`${portal.staffUrl}/staff/sign-in`);
    expect(await page.locator(".exit-this-page").count()).to.equal(0);
  });

  it("with JavaScript, leaves by replacing the history entry: Back does not come back to the page", async () => {
    const { page } = browser;
    await page.goto(`${portal.baseUrl}/how-to-complain?lang=en`);
    await page.goto(`${portal.baseUrl}/verify?lang=en`);
    await Promise.all([page.waitForURL(neutral), page.locator("a.exit-this-page-button").click()]);
    await page.goBack();
    // A plain link would have left /verify in the history; location.replace took its place.
    expect(new URL(page.url()).pathname).to.equal("/how-to-complain");
  });

  it("leaves when Shift is pressed three times", async () => {
    const { page } = browser;
    await page.goto(`${portal.baseUrl}/sign-in?lang=fi`);
    await page.keyboard.press("Shift");
    await page.keyboard.press("Shift");
    expect(await page.locator(".exit-this-page-status").innerText()).to.include("kerran");
    expect(new URL(page.url()).pathname).to.equal("/sign-in");
    await Promise.all([page.waitForURL(neutral), page.keyboard.press("Shift")]);
  });
});
