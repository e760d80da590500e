/**
 * The pages everyone sees first — home and sign-in — in all five languages, and the layout's
 * promises: the language switch is remembered, a skip link and visible focus for keyboard users,
 * an error summary that takes focus and links to the field, and no sideways scrolling on a
 * 360 px phone or at 200 % zoom.
 */
import { expect } from "chai";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld } from "./support/fixtures.js";
import { allLocales, assertAccessible, Journey, openBrowser, sidewaysOverflow, type Browser } from "./support/browser.js";

describe("pages in every language (Chromium)", function () {
  let portal: Portal;
  let browser: Browser;

  before(async () => {
    portal = await startPortal();
    await createWorld(portal.ctx);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  for (const locale of allLocales) {
    it(`home and sign-in pages in ${locale}`, async () => {
      const journey = new Journey(`pages-${locale}`, [locale]);
      const { page } = browser;
      await page.goto(`${portal.baseUrl}/`);
      await journey.step(browser, "home");
      expect(await page.locator("html").getAttribute("lang")).to.equal(locale);
      expect(await page.locator(".lang-switch [aria-current]").getAttribute("lang")).to.equal(locale);
      await page.locator("a.button-start").click();
      await page.waitForURL(/\/sign-in$/);
      await journey.step(browser, "sign-in");
      await page.locator('input[name="method"][value="email"]').check();
      await page.locator('form[action="/sign-in"] button[type="submit"]').click();
      await page.waitForURL(/\/sign-in\/email$/);
      await journey.step(browser, "sign-in-email");
      await page.goto(`${portal.baseUrl}/sign-in/receipt`);
      await journey.step(browser, "sign-in-receipt");
      await page.goto(`${portal.baseUrl}/sign-in/password`);
      await journey.step(browser, "sign-in-password");
    });
  }

  it("prefers the language chosen with the switch over Accept-Language, on every later page", async () => {
    const other = await openBrowser({ locale: "sv-SE" });
    try {
      const { page } = other;
      await page.goto(`${portal.baseUrl}/`);
      expect(await page.locator("html").getAttribute("lang")).to.equal("sv");
      await page.locator('.lang-switch [lang="et"]').click();
      await page.waitForFunction(() => document.documentElement.lang === "et");
      await page.goto(`${portal.baseUrl}/sign-in`);
      expect(await page.locator("html").getAttribute("lang")).to.equal("et");
      await assertAccessible(page, "sign-in after choosing et");
      // The switch keeps the page and its other query parameters.
      await page.goto(`${portal.baseUrl}/sign-in?next=%2Frequests`);
      expect(await page.locator(".lang-switch").locator("xpath=ancestor::form").getAttribute("action")).to.equal("/sign-in?next=%2Frequests#top");
      await page.locator('.lang-switch [lang="nl"]').click();
      await page.waitForFunction(() => document.documentElement.lang === "nl");
      expect(new URL(page.url()).pathname + new URL(page.url()).search).to.equal("/sign-in?next=%2Frequests");
    } finally {
      await other.close();
    }
  });

  it("keeps the language switch on this site, whatever the address looks like", async () => {
    for (const path of ["//evil.example/x", "/%5Cevil.example/x"]) {
      const html = await (await fetch(`${portal.baseUrl}${path}`)).text();
      const form = /<nav aria-label="[^"]*">\s*<form method="post" action="([^"]*)"/.exec(html);
      const returns = form ? [form[1]!] : [];
      expect(returns, path).to.have.length(1);
      expect(html.match(/name="_lang"/g), path).to.have.length(5);
      for (const target of returns) expect(target, path).to.match(/^\/[^/\\]/);
    }
  });

  it("falls back to the organization's default language without Accept-Language", async () => {
    const res = await fetch(`${portal.baseUrl}/`, { headers: { "Accept-Language": "de-DE" } });
    expect(await res.text()).to.include('<html lang="fi">');
  });

  it("has a skip link and a visible focus for keyboard users", async () => {
    const { page } = browser;
    await page.goto(`${portal.baseUrl}/?lang=en`);
    await assertAccessible(page, "home");
    await page.keyboard.press("Tab");
    const skip = page.locator(".skip-link");
    expect(await skip.evaluate((el) => el === document.activeElement)).to.equal(true);
    const box = await skip.boundingBox();
    expect(box && box.x >= 0 && box.y >= 0 && box.width > 0, "the focused skip link is on screen").to.equal(true);
    const focusStyle = await skip.evaluate((el) => {
      const s = getComputedStyle(el);
      return { outline: s.outlineStyle, shadow: s.boxShadow, background: s.backgroundColor };
    });
    expect(focusStyle.outline !== "none" || focusStyle.shadow !== "none", `focus is visible: ${JSON.stringify(focusStyle)}`).to.equal(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal("main");
    // The next Tab lands on a control inside main, with a visible focus indicator.
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      return { inMain: !!el.closest("main"), outline: s.outlineStyle, shadow: s.boxShadow };
    });
    expect(focused.inMain).to.equal(true);
    expect(focused.outline !== "none" || focused.shadow !== "none", JSON.stringify(focused)).to.equal(true);
  });

  it("moves focus to the error summary, whose links lead to the fields", async () => {
    const journey = new Journey("error-summary", allLocales);
    const { page } = browser;
    await page.goto(`${portal.baseUrl}/sign-in/email?lang=${journey.nextLocale()}`);
    await page.locator('form[action="/sign-in/email"] button[type="submit"]').click();
    await page.waitForSelector(".error-summary");
    await journey.step(browser, "email-missing", { locale: "keep" });
    expect(await page.evaluate(() => document.activeElement?.classList.contains("error-summary"))).to.equal(true);
    const link = page.locator(".error-summary a").first();
    expect(await link.getAttribute("href")).to.equal("#field-email");
    await link.click();
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal("field-email");
    expect(await page.locator("#field-email").getAttribute("aria-invalid")).to.equal("true");
    // A radio question links to its first choice.
    await page.goto(`${portal.baseUrl}/sign-in?lang=${journey.nextLocale()}`);
    await page.locator('form[action="/sign-in"] button[type="submit"]').click();
    await page.waitForSelector(".error-summary");
    await journey.step(browser, "method-missing", { locale: "keep" });
    await page.locator(".error-summary a").first().click();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).to.equal("method");
  });

  for (const [label, width, height] of [["a 360 px phone", 360, 740], ["200 % zoom", 640, 400]] as const) {
    it(`fits ${label} without sideways scrolling`, async () => {
      const small = await openBrowser({ width, height });
      try {
        const journey = new Journey(`narrow-${width}`, ["fi", "et"]);
        for (const path of ["/", "/sign-in", "/sign-in/email", "/sign-in/receipt"]) {
          await small.page.goto(`${portal.baseUrl}${path}`);
          await journey.step(small, path === "/" ? "home" : path.slice(1).replace(/\//g, "-"));
          const overflow = await sidewaysOverflow(small.page);
          expect(overflow, `${path} scrolls sideways by ${overflow} px`).to.be.at.most(0);
          await assertAccessible(small.page, path);
        }
      } finally {
        await small.close();
      }
    });
  }
});
