/**
 * Journey (f): the staff case page's Decide flow and the requester's result first. The DPO opens
 * a request from a filtered queue, sees only the chosen decision's form, and reads a success
 * banner after each action in the language of that step; the requester then sees the package
 * first, with its name, format and size, and can still write. Languages rotate step by step.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { translator, type Locale } from "../../src/platform/i18n.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, onPhone, openBrowser, submitForm, type Browser } from "./support/browser.js";
import { clickAndWait, requesterAsks, requesterSignsInByEmail, staffActs, staffApproves, staffReviewsAndReleases, staffSignsIn, waitForDownloadLink } from "./support/people.js";

/** The banner on the page now, and the text it should read in the page's language. */
async function bannerSays(page: Page, key: string): Promise<void> {
  const lang = (await page.evaluate(() => document.documentElement.lang)) as Locale;
  const shown = (await page.locator('.banner-success[role="alert"] p').first().innerText()).trim();
  expect(shown, `banner in ${lang}`).to.equal(translator(lang)(key));
}

describe("journey: the case page's decide flow and the result first (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let requester: Browser;
  let staff: Browser;
  const journey = new Journey("f-case-page");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    [requester, staff] = await Promise.all([openBrowser(), openBrowser({ width: 1280 })]);
  });
  after(async () => {
    await Promise.all([requester?.close(), staff?.close()]);
    await portal?.stop();
  });

  it("decides through one radio group with a banner after each step, then shows the requester the package first", async () => {
    const person = await world.newRequester("casepage");
    await requesterSignsInByEmail(portal, requester, journey, person);
    const { reference } = await requesterAsks(requester, journey, { type: "access", chats: "all", note: "Everything, please." });

    await staffSignsIn(portal, staff, journey, world.dpo);
    const { page } = staff;
    await page.goto(`${portal.staffUrl}/staff?type=access`);
    await journey.step(staff, "queue-filtered");
    await clickAndWait(page, `a:text-is("${reference}")`);
    await journey.step(staff, "case-page");
    expect(await page.locator(".back-link").getAttribute("href"), "back to the filtered queue").to.equal("/staff?type=access");
    expect(await page.locator(".summary-card").count()).to.equal(1);
    // With JavaScript, no decision's form shows until one is chosen.
    expect(await page.locator('input[name="decision"]').count()).to.be.above(0);
    expect(await page.locator(".conditional:visible").count(), "no decision form shows before one is chosen").to.equal(0);

    await staffActs(staff, journey, world.dpo, "/start-review", "review-started");
    await bannerSays(page, "staff.show.done.reviewStarted");
    expect(await page.locator(".back-link").getAttribute("href"), "the filters survive the action").to.equal("/staff?type=access");

    await staffActs(staff, journey, world.dpo, "/ask-information", "asked-info");
    await bannerSays(page, "staff.show.done.askedInfo");

    // The requester answers; the request is back in review.
    await requester.page.goto(`${portal.baseUrl}/requests/${reference}`);
    await requester.page.locator("#field-body").fill("The chats from last spring.");
    await submitForm(requester.page, "/messages");

    await page.goto(`${portal.staffUrl}/staff/requests/${new URL(page.url()).pathname.split("/").pop()}`);
    await staffActs(staff, journey, world.dpo, "/extend", "extended", async (p) => {
      await p.locator('form[action$="/extend"] input[name="kind"]').first().check();
      await p.locator("#field-extend-reason").fill("Three years of chats to read through.");
    });
    await bannerSays(page, "staff.show.done.extended");
    // Only the chosen decision's form shows.
    await page.locator("#decide-reject").check();
    expect(await page.locator(".conditional:visible").count()).to.equal(1);
    expect(await page.locator('.conditional:visible form[action$="/reject"]').count()).to.equal(1);
    expect(await onPhone(staff, journey, "case-page-phone"), "the case page scrolls sideways at 360 px").to.be.at.most(0);

    await staffApproves(staff, journey);
    await bannerSays(page, "staff.show.done.approved");
    await staffReviewsAndReleases(staff, journey, { accept: [] });
    await bannerSays(page, "staff.show.done.released");

    // The requester: the package first, then where to write or complain; the thread still open.
    await waitForDownloadLink(requester, reference, portal);
    const lang = (await journey.step(requester, "result-first")) as Locale;
    const result = requester.page.locator("#result");
    expect(await result.locator(".banner-title").innerText()).to.equal(translator(lang)("requests.show.result.title"));
    expect(await result.locator(".file-name").innerText()).to.match(new RegExp(`^${reference}.*\\.zip$`));
    expect(await result.locator('a[href*="/download/"]').count()).to.equal(1);
    expect(await result.innerText()).to.match(/\d+([.,]\d)?\s?\S*B|\d+([.,]\d)?\s?(kt|Mt|kB|MB|ko|Mo)/);
    // It comes before everything else the page says.
    const order = await requester.page.evaluate(() => {
      const main = document.querySelector("main")!;
      const result = document.getElementById("result")!;
      const list = main.querySelector(":scope > dl.summary-list")!;
      return Boolean(result.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    expect(order, "the result banner comes before the request's details").to.equal(true);
    expect(await requester.page.locator('form[action$="/messages"]').count(), "the thread stays open").to.equal(1);
    expect(await onPhone(requester, journey, "result-first-phone"), "the request page scrolls sideways at 360 px").to.be.at.most(0);
    journey.assertAllLocalesSeen();
  });
});
