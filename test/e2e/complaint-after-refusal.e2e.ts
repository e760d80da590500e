/**
 * Journey (c): a requester's objection is refused by the DPO (with a legal ground, after the
 * password again); the requester sees the refusal and the ways to complain, complains to the DPO,
 * the DPO answers, and the requester reads the answer and the authority to turn to, and downloads
 * a complaint file to send along. Languages rotate step by step.
 */
import { expect } from "chai";
import { translator, type Locale } from "../../src/platform/i18n.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, openBrowser, submitForm, type Browser } from "./support/browser.js";
import { download, requesterAsks, requesterSignsInByEmail, staffActs, staffOpensRequest, staffSignsIn, waitForDownloadLink, waitForStatus } from "./support/people.js";
import { pdfText } from "./support/packages.js";
import { unzip } from "../exports/helpers.js";

describe("journey: a complaint after a refusal (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let requester: Browser;
  let staff: Browser;
  const journey = new Journey("c-complaint-after-refusal");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    [requester, staff] = await Promise.all([openBrowser(), openBrowser()]);
  });
  after(async () => {
    await Promise.all([requester?.close(), staff?.close()]);
    await portal?.stop();
  });

  it("refuses, lets the requester complain, and answers the complaint", async () => {
    const person = await world.newRequester("complaint");
    await requesterSignsInByEmail(portal, requester, journey, person);
    const { reference } = await requesterAsks(requester, journey, { type: "objection", chats: "all", note: "Do not use my chats for research." });

    await staffSignsIn(portal, staff, journey, world.dpo);
    await staffOpensRequest(staff, journey, reference);
    await staffActs(staff, journey, world.dpo, "/start-review", "staff-in-review");
    const reason = "We must keep using these chats for a legal duty.";
    await staffActs(staff, journey, world.dpo, "/reject", "staff-refused", async (page) => {
      const form = page.locator('form[action$="/reject"]');
      if (!(await form.count())) return;
      await form.locator('input[name="legalGround"]').first().check();
      await form.locator('textarea[name="reason"]').fill(reason);
    });

    // The requester sees the refusal, why, and where to complain.
    await requester.page.goto(`${portal.baseUrl}/requests/${reference}`);
    const locale = (await journey.step(requester, "requester-request")) as Locale;
    await waitForStatus(requester, portal, reference, translator(locale)("requests.status.rejected"));
    await journey.step(requester, "requester-refused", { locale: "keep" });
    expect(await requester.page.locator("#complaint-paths").count(), "the complaint paths are offered").to.equal(1);
    await requester.page.locator(`#complaint-paths a[href$="/requests/${reference}/complaint"]`).first().click();
    await requester.page.waitForURL(new RegExp(`/requests/${reference}/complaint$`));
    await journey.step(requester, "complaint-page");

    // An empty complaint is refused with an error next to the field.
    await submitForm(requester.page, `/requests/${reference}/complaints`);
    await journey.step(requester, "complaint-missing-text", { locale: "keep" });
    expect(await requester.page.locator(".error-summary a[href='#field-body']").count()).to.equal(1);
    await requester.page.locator('input[name="grounds"][value="rejected"]').check();
    await requester.page.locator("#field-body").fill("I do not agree. Please stop using my chats for research.");
    await submitForm(requester.page, `/requests/${reference}/complaints`);
    await journey.step(requester, "complaint-sent");
    const complaintRef = (await requester.page.locator(".complaints-list strong").first().innerText()).trim();

    // The DPO answers it from the complaints queue.
    await staff.page.goto(`${portal.staffUrl}/staff/complaints`);
    await journey.step(staff, "staff-complaints");
    await staff.page.locator(`a:text-is("${complaintRef}")`).click();
    await staff.page.waitForURL(/\/staff\/complaints\/[0-9a-f-]{36}$/);
    await journey.step(staff, "staff-complaint");
    const answer = "We looked again. The law requires us to keep these chats, so we cannot stop.";
    await staff.page.locator("#field-answer").fill(answer);
    await submitForm(staff.page, "/answer");
    await journey.step(staff, "staff-answered");

    // The requester reads the answer, with the authority still there to turn to.
    await requester.page.goto(`${portal.baseUrl}/requests/${reference}/complaint`);
    await journey.step(requester, "complaint-answered");
    expect(await requester.page.locator(".complaints-list").innerText()).to.include(answer);
    expect(await requester.page.locator("#authority").count()).to.equal(1);

    // A complaint file to send to the authority, made by a job and downloaded from the same page.
    await submitForm(requester.page, `/requests/${reference}/dossier`);
    await journey.step(requester, "dossier-asked");
    await waitForDownloadLink(requester, reference, portal, 30_000, `/requests/${reference}/complaint`, "/dossier/");
    await journey.step(requester, "dossier-ready");
    const dossier = await download(requester, "/dossier/");
    const dossierText = dossier.name.endsWith(".pdf")
      ? await pdfText(dossier.bytes)
      : [...(await unzip(dossier.bytes)).values()].map((b) => b.toString("utf8")).join("\n");
    expect(dossierText.replace(/\s+/g, " ")).to.include(reference);
    journey.assertAllLocalesSeen();
  });
});
