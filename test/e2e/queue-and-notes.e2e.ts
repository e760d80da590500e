/**
 * Journey (g): a DPO's queue and the case page's two boxes, and a requester who withdraws. Two
 * requesters write in; one says by when she needs the answer. The DPO finds each by reference and
 * by exact e-mail, filters, sorts by the due date, assigns both at once, and reads the urgency as a
 * tag in the queue and in the case summary. On the case page, "Add a note" leads to the note (never
 * to the message to the requester), and the note stays inside. The other requester withdraws, after
 * a page saying it cannot be undone. Languages rotate step by step; each step is checked with axe.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { translator } from "../../src/platform/i18n.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, onPhone, openBrowser, submitForm, type Browser } from "./support/browser.js";
import { clickAndWait, requesterAsks, requesterSignsInByEmail, staffSignsIn } from "./support/people.js";

const rowOf = (page: Page, reference: string) => page.locator("tbody tr", { has: page.locator(`a.reference:text-is("${reference}")`) });
const references = async (page: Page) => (await page.locator("tbody a.reference").allInnerTexts()).map((s) => s.trim());

/** Fills the queue's search and filter form and sends it. */
async function filterQueue(page: Page, fields: { q?: string; type?: string; status?: string }): Promise<void> {
  await page.locator("#f-q").fill(fields.q ?? "");
  await page.locator("#f-type").selectOption(fields.type ?? "");
  await page.locator("#f-status").selectOption(fields.status ?? "open");
  await Promise.all([page.waitForEvent("framenavigated"), page.locator('form.filters [type="submit"]').click()]);
  await page.waitForLoadState("load");
}

/** Where the keyboard is after clicking a label: the id of the focused control. */
async function focusAfterClicking(page: Page, labelFor: string): Promise<string> {
  await page.locator(`label[for="${labelFor}"]`).click();
  return page.evaluate(() => document.activeElement?.id ?? "");
}

describe("journey: the DPO's queue, notes apart from messages, and a withdrawal (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let first: Browser;
  let second: Browser;
  let staff: Browser;
  const journey = new Journey("g-queue-and-notes");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    [first, second, staff] = await Promise.all([openBrowser(), openBrowser(), openBrowser({ width: 1280 })]);
  });
  after(async () => {
    await Promise.all([first?.close(), second?.close(), staff?.close()]);
    await portal?.stop();
  });

  it("finds, filters, sorts and assigns at once; shows the urgency; keeps the note inside; asks before a withdrawal", async () => {
    // Two requests: the first needed before a police appointment ten days from now.
    const urgentPerson = await world.newRequester("urgent");
    const otherPerson = await world.newRequester("other");
    const neededBy = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await requesterSignsInByEmail(portal, first, journey, urgentPerson);
    const urgent = await requesterAsks(first, journey, { type: "access", chats: "all", note: "For my police appointment.", neededBy });
    await requesterSignsInByEmail(portal, second, journey, otherPerson);
    const other = await requesterAsks(second, journey, { type: "objection", chats: "all", note: "No research on my chats." });

    await staffSignsIn(portal, staff, journey, world.dpo);
    const { page } = staff;
    expect(await references(page)).to.include.members([urgent.reference, other.reference]);
    // The urgency is a tag on the row, with the date.
    const urgentTag = rowOf(page, urgent.reference).locator(".tag-overdue");
    expect(await urgentTag.count(), "the urgent request has its tag").to.equal(1);
    expect(await rowOf(page, other.reference).locator(".tag-overdue").count(), "the other has none").to.equal(0);

    // Search: by reference, then by the exact e-mail address.
    await filterQueue(page, { q: urgent.reference });
    await journey.step(staff, "queue-search-reference");
    expect(await references(page)).to.deep.equal([urgent.reference]);
    await filterQueue(page, { q: otherPerson.email });
    await journey.step(staff, "queue-search-email");
    expect(await references(page)).to.deep.equal([other.reference]);

    // Filters: one type, and the counts say how many match.
    await filterQueue(page, { type: "objection" });
    await journey.step(staff, "queue-filter-type");
    expect(await references(page)).to.deep.equal([other.reference]);
    expect(new URL(page.url()).searchParams.get("type")).to.equal("objection");
    await filterQueue(page, {});

    // Sort by when they came in, one way and then the other; the column header says which.
    const received = page.locator("th[aria-sort]").first();
    await clickAndWait(page, "th[aria-sort] >> nth=0 >> a");
    await journey.step(staff, "queue-sorted");
    const oneWay = await received.getAttribute("aria-sort");
    expect(oneWay, "the column says how it is sorted").to.be.oneOf(["ascending", "descending"]);
    expect(await references(page)).to.deep.equal(oneWay === "ascending" ? [urgent.reference, other.reference] : [other.reference, urgent.reference]);
    await clickAndWait(page, "th[aria-sort] >> nth=0 >> a");
    expect(await received.getAttribute("aria-sort")).to.not.equal(oneWay);
    expect(await references(page)).to.deep.equal(oneWay === "ascending" ? [other.reference, urgent.reference] : [urgent.reference, other.reference]);

    // Assign both at once.
    await page.goto(`${portal.staffUrl}/staff`);
    for (const reference of [urgent.reference, other.reference]) await rowOf(page, reference).locator('input[name="ids"]').check();
    await page.locator("#field-assigneeId").selectOption({ label: world.dpo.name });
    await submitForm(page, "/staff/requests/assign");
    const assignedIn = await journey.step(staff, "queue-bulk-assigned", { locale: "keep" });
    expect((await page.locator('.banner-success[role="alert"] p').innerText()).trim()).to.equal(translator(assignedIn)("staff.queue.assignedCount", { count: 2 }));
    for (const reference of [urgent.reference, other.reference]) {
      expect(await rowOf(page, reference).locator("td").last().innerText(), reference).to.equal(world.dpo.name);
    }
    expect(await onPhone(staff, journey, "queue-phone"), "the queue scrolls sideways at 360 px").to.be.at.most(0);

    // The case page: the date it is needed by, with its tag, in the summary.
    await clickAndWait(page, `a.reference:text-is("${urgent.reference}")`);
    const caseIn = await journey.step(staff, "case-urgent");
    const summary = page.locator(".summary-card");
    expect(await summary.innerText()).to.include(translator(caseIn)("staff.show.neededBy")).and.include(translator(caseIn)("staff.show.urgent"));

    // "Add a note" leads to the note, "Write to the requester" to the message: two boxes, two forms.
    expect(await focusAfterClicking(page, "field-note-body")).to.equal("field-note-body");
    expect(await focusAfterClicking(page, "field-message-body")).to.equal("field-message-body");
    expect(await page.locator('form[action$="/notes"] #field-note-body').count()).to.equal(1);
    expect(await page.locator('form[action$="/messages"] #field-message-body').count()).to.equal(1);
    const note = "Internal: checked the police appointment letter.";
    await focusAfterClicking(page, "field-note-body");
    await page.keyboard.type(note);
    expect(await page.locator("#field-message-body").inputValue(), "typing after the note's label never fills the message").to.equal("");
    await submitForm(page, "/notes");
    const notedIn = await journey.step(staff, "case-note-added", { locale: "keep" });
    expect((await page.locator('.banner-success[role="alert"] p').first().innerText()).trim()).to.equal(translator(notedIn)("staff.show.done.noteAdded"));
    expect(await page.locator(".panel-internal .thread").innerText()).to.include(note);
    expect(await page.locator(".section-thread .thread").innerText()).to.not.include(note);
    // The requester never sees it.
    await first.page.goto(`${portal.baseUrl}/requests/${urgent.reference}`);
    await journey.step(first, "requester-after-note");
    expect(await first.page.content()).to.not.include(note);

    // The other requester withdraws: a page of its own says it cannot be undone, and only then.
    await second.page.goto(`${portal.baseUrl}/requests/${other.reference}`);
    await journey.step(second, "before-withdraw");
    await submitForm(second.page, "/withdraw");
    await journey.step(second, "withdraw-confirm", { locale: "keep" });
    expect(await second.page.locator(".warning-text").count(), "the confirmation says what cannot be undone").to.equal(1);
    expect(await second.page.locator('a[href$="' + other.reference + '"]').count(), "and offers a way back").to.be.above(0);
    await submitForm(second.page, "/withdraw");
    const withdrawnIn = await journey.step(second, "withdrawn", { locale: "keep" });
    expect(new URL(second.page.url()).pathname).to.equal(`/requests/${other.reference}`);
    expect((await second.page.locator(".summary-list .tag").first().innerText()).trim()).to.equal(translator(withdrawnIn)("requests.status.withdrawn"));
    journey.assertAllLocalesSeen();
  });
});
