/**
 * Journey: after an erasure, the person who had only the chat's code types it in again and is
 * shown what was deleted, what was kept and why, and how to complain (issue 18) — in every
 * language, checked with axe, on a 360 px phone and at 200 % zoom without sideways scrolling.
 */
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { organizations } from "../../src/db/schema/index.js";
import { setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { hashReceiptCode, newReceiptCode } from "../../src/platform/codes.js";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeStaff, makeSubject } from "../support/factories.js";
import { actorOf, insertRequest } from "../fulfilment/helpers.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld } from "./support/fixtures.js";
import { allLocales, Journey, onPhone, openBrowser, sidewaysOverflow, submitForm, type Browser } from "./support/browser.js";

describe("journey: the outcome of an erasure, reached with the chat's code (Chromium)", function () {
  let portal: Portal;
  let browser: Browser;
  const code = newReceiptCode();

  before(async () => {
    portal = await startPortal();
    await createWorld(portal.ctx);
    const ctx = portal.ctx as unknown as TestContext;
    const [org] = await ctx.db.select().from(organizations).where(eq(organizations.slug, "e2e"));
    const [dpo, dpo2] = [await makeStaff(ctx, org!.id, "dpo"), await makeStaff(ctx, org!.id, "dpo")];
    const subject = await makeSubject(ctx, org!.id, { locale: "fi" });
    await makeConversation(ctx, org!.id, { subjectId: subject.id, receiptCodeHash: hashReceiptCode(code), messages: [{ body: "Hei" }] });
    const held = await makeConversation(ctx, org!.id, { subjectId: subject.id, messages: [{ body: "Apua" }] });
    const r = await insertRequest(ctx, org!, { subjectId: subject.id, type: "erasure", scope: "all_conversations", erasureApprovedBy: dpo.id, erasureConfirmedBy: dpo2.id, locale: "fi" });
    await setLegalHold(ctx, actorOf(dpo), r.id, held.id, { reason: "child_protection_report", reviewOn: new Date(ctx.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10) });
    await fulfilRequest(ctx, { type: "system" }, org!.id, r.id);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("shows the outcome in every language, accessible, at 360 px and at 200 % zoom", async () => {
    const journey = new Journey("erasure-outcome");
    const { page } = browser;
    await page.goto(`${portal.baseUrl}/sign-in/receipt`);
    await journey.step(browser, "sign-in-receipt");
    await page.locator('input[name="code"]').fill(code);
    await submitForm(page, "/sign-in/receipt");
    expect(page.url()).to.match(/\/erased\/[A-Z]+-[0-9A-Z]{4}-[0-9A-Z]{4}\?s=/);
    for (const locale of allLocales) {
      await journey.step(browser, `outcome-${locale}`, { locale });
      expect(await page.locator("main li").count(), locale).to.be.greaterThan(2);
    }
    // The last step was in Estonian: the kept reason is in its words, never a catalog key.
    expect(await page.locator("main").innerText()).to.include("lastekaitseteate: 1");
    expect(await onPhone(browser, journey, "outcome-phone")).to.equal(0);
    // 200 % zoom of a 1280 × 800 window: the layout gets 640 × 400 CSS pixels (as pages.e2e.ts).
    await page.setViewportSize({ width: 640, height: 400 });
    expect(await sidewaysOverflow(page)).to.equal(0);
    journey.assertAllLocalesSeen();
  });
});
