/**
 * What a requester and a DPO do in the portal, step by step through the real pages. Every page
 * reached is a journey step: shown in the journey's next language, checked with axe and
 * photographed.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Portal } from "./server.js";
import { type Browser, type Journey, onPhone, sidewaysOverflow, submitForm } from "./browser.js";
import { mailFiles, signInCode, waitForMail } from "./mailbox.js";
import { totpCode, type Requester, type StaffLogin } from "./fixtures.js";
import type { Locale } from "../../../src/platform/i18n.js";

export async function clickAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForEvent("framenavigated"), page.locator(selector).first().click()]);
  await page.waitForLoadState("load");
}

/** From the home page to "My requests", with a code mailed to the requester's address. */
export async function requesterSignsInByEmail(portal: Portal, browser: Browser, journey: Journey, who: Requester): Promise<void> {
  const { page } = browser;
  await page.goto(`${portal.baseUrl}/`);
  await journey.step(browser, "home");
  await clickAndWait(page, "a.button-start");
  expect(new URL(page.url()).pathname).to.equal("/sign-in");
  await journey.step(browser, "sign-in-choose");
  await page.locator('input[name="method"][value="email"]').check();
  await submitForm(page, "/sign-in");
  await journey.step(browser, "sign-in-email");
  const before = mailFiles(portal.dataDir);
  await page.locator("#field-email").fill(who.email);
  await submitForm(page, "/sign-in/email");
  expect(new URL(page.url()).pathname).to.equal("/sign-in/email/code");
  await journey.step(browser, "sign-in-code");
  const mail = await waitForMail(portal.dataDir, who.email, before);
  // The development mailbox lists the mail, as a person testing the portal would see it.
  const inbox = await browser.context.newPage();
  try {
    await inbox.goto(`${portal.baseUrl}/dev/mail`);
    await journey.step({ ...browser, page: inbox }, "mailbox", { locale: "keep" });
    expect(await inbox.locator("tbody").innerText()).to.include(who.email);
  } finally {
    await inbox.close();
  }
  await page.locator("#field-code").fill(signInCode(mail));
  await submitForm(page, "/sign-in/email/code");
  expect(new URL(page.url()).pathname).to.equal("/requests");
  await journey.step(browser, "my-requests");
}

export interface NewRequest {
  type: "access" | "police_transcript" | "export" | "erasure" | "restriction" | "objection";
  /** Which chats: the one with this topic, or all of them (only where the type offers "all"). */
  chats: { topic: string } | "all";
  note: string;
  /** The date the requester says they need it by (YYYY-MM-DD), on the details step. */
  neededBy?: string;
}

/**
 * The guided form, one question per page, ending on the confirmation. Returns the reference and
 * the language the request was sent in (its letters and files are written in it).
 */
export async function requesterAsks(browser: Browser, journey: Journey, ask: NewRequest): Promise<{ reference: string; locale: Locale }> {
  const { page } = browser;
  await clickAndWait(page, 'a[href="/requests/new"]');
  await journey.step(browser, `type-${ask.type}`);
  await page.locator(`input[name="type"][value="${ask.type}"]`).check();
  await submitForm(page, "/requests/new/type");
  if (new URL(page.url()).pathname === "/requests/new/scope") {
    await journey.step(browser, "scope");
    await page.locator(`input[name="scope"][value="${ask.chats === "all" ? "all_conversations" : "chosen_conversations"}"]`).check();
    await submitForm(page, "/requests/new/scope");
  }
  if (new URL(page.url()).pathname === "/requests/new/conversations") {
    await journey.step(browser, "conversations");
    if (ask.chats === "all") {
      for (const box of await page.locator('input[name="conversationIds"]').all()) await box.check();
    } else {
      await page.getByLabel(ask.chats.topic).check();
    }
    await submitForm(page, "/requests/new/conversations");
  }
  expect(new URL(page.url()).pathname).to.equal("/requests/new/details");
  await journey.step(browser, "details");
  await page.locator("#field-note").fill(ask.note);
  if (ask.neededBy) await page.locator("#field-neededBy").fill(ask.neededBy);
  await submitForm(page, "/requests/new/details");
  const locale = await journey.step(browser, "check-answers");
  await submitForm(page, "/requests/new/check");
  expect(new URL(page.url()).pathname).to.match(/^\/requests\/[^/]+\/confirmation$/);
  await journey.step(browser, "confirmation");
  const reference = (await page.locator(".reference").innerText()).trim();
  expect(reference).to.match(/\S{6,}/);
  return { reference, locale };
}

/** Staff sign-in: password, then the code from the authenticator app. Ends on the queue. */
export async function staffSignsIn(portal: Portal, browser: Browser, journey: Journey, who: StaffLogin): Promise<void> {
  const { page } = browser;
  await page.goto(`${portal.staffUrl}/staff/sign-in`);
  await journey.step(browser, "staff-sign-in");
  await page.locator("#field-email").fill(who.email);
  await page.locator("#field-password").fill(who.password);
  await submitForm(page, "/staff/sign-in");
  expect(new URL(page.url()).pathname).to.equal("/staff/totp");
  await journey.step(browser, "staff-totp");
  await page.locator("#field-code").fill(await totpCode(who.totpSecret));
  await submitForm(page, "/staff/totp");
  expect(new URL(page.url()).pathname).to.equal("/staff");
  await journey.step(browser, "staff-queue");
}

/** From the queue to the request's page, by its reference. */
export async function staffOpensRequest(browser: Browser, journey: Journey, reference: string): Promise<void> {
  const { page } = browser;
  await clickAndWait(page, `a:text-is("${reference}")`);
  expect(new URL(page.url()).pathname).to.match(/^\/staff\/requests\/[0-9a-f-]{36}$/);
  await journey.step(browser, "staff-request");
}

/**
 * On the case page, picks the Decide radio whose revealed panel holds the form posting to
 * `action` (the script hides the other decisions' forms); does nothing for forms outside it.
 */
export async function chooseDecision(page: Page, action: string): Promise<void> {
  const panel = page.locator(`.conditional:has(form[action$="${action}"])`);
  if ((await panel.count()) === 0) return;
  const id = await panel.first().getAttribute("id");
  await page.locator(`input[type="radio"][aria-controls="${id}"]`).check();
  expect(await panel.first().isVisible(), `the ${action} form shows once its decision is chosen`).to.equal(true);
}

/** Start the review, then approve with the suggested message. */
export async function staffApproves(browser: Browser, journey: Journey): Promise<void> {
  const { page } = browser;
  if (await page.locator('form[action$="/start-review"]').count()) {
    await submitForm(page, "/start-review");
    await journey.step(browser, "staff-in-review");
  }
  await chooseDecision(page, "/approve");
  await submitForm(page, "/approve");
  await confirmIfAsked(browser, journey, "/approve", "staff-approve");
  await journey.step(browser, "staff-approved");
}

/** Reloads a requester's page until a download link (href containing `linkPart`) shows: packages are built by a job. */
export async function waitForDownloadLink(browser: Browser, reference: string, portal: Portal, timeoutMs = 30_000, page = `/requests/${reference}`, linkPart = "/download/"): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await browser.page.goto(`${portal.baseUrl}${page}`);
    if (await browser.page.locator(`a[href*="${linkPart}"]`).count()) return;
    if (Date.now() > until) throw new Error(`no download link on ${page} within ${timeoutMs} ms`);
    await browser.page.waitForTimeout(500);
  }
}

/** Clicks the first download link (href containing `linkPart`) and returns the file's bytes and suggested name. */
export async function download(browser: Browser, linkPart = "/download/"): Promise<{ name: string; bytes: Buffer }> {
  const { page } = browser;
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator(`a[href*="${linkPart}"]`).first().click()]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { name: file.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/**
 * A staff action on the request page (the form posting to a path ending in `action`). A
 * destructive action asks for the password again first; after it, the kept form is sent with one
 * click on the resume page (or, where nothing was kept, again from the request page).
 */
/** When the action asked "are you sure?" on a page of its own (what cannot be undone), looks at it and confirms. */
export async function confirmIfAsked(browser: Browser, journey: Journey, action: string, step: string): Promise<boolean> {
  const confirm = browser.page.locator(`form[action$="${action}"] input[name="confirm"][value="yes"]`);
  if ((await confirm.count()) === 0) return false;
  // In the language it came in: switching would leave the confirmation (the answer to a POST) for the request page.
  await journey.step(browser, `${step}-confirm`, { locale: "keep" });
  expect(await browser.page.locator(".warning-text").count(), `${step}: the confirmation says what cannot be undone`).to.equal(1);
  expect(await sidewaysOverflow(browser.page), `${step}: the confirmation scrolls sideways`).to.be.at.most(0);
  await submitForm(browser.page, action);
  return true;
}

export async function staffActs(browser: Browser, journey: Journey, who: StaffLogin, action: string, step: string, fill?: (page: Page) => Promise<void>): Promise<void> {
  const { page } = browser;
  await chooseDecision(page, action);
  await fill?.(page);
  await submitForm(page, action);
  if (new URL(page.url()).pathname === "/staff/reauth") {
    await journey.step(browser, `${step}-reauth`);
    await page.locator("#field-password").fill(who.password);
    await submitForm(page, "/staff/reauth");
    if (new URL(page.url()).pathname === "/staff/reauth/resume") {
      await journey.step(browser, `${step}-resume`);
      await submitForm(page, action);
    } else {
      await chooseDecision(page, action);
      await fill?.(page);
      await submitForm(page, action);
    }
  }
  await confirmIfAsked(browser, journey, action, step);
  expect(new URL(page.url()).pathname, `after ${action}`).to.match(/^\/staff\/requests\/[0-9a-f-]{36}$/);
  await journey.step(browser, step);
}

/** The requester's request page, reloaded until its status tag reads `statusText`. */
export async function waitForStatus(browser: Browser, portal: Portal, reference: string, statusText: string, timeoutMs = 30_000): Promise<void> {
  const { page } = browser;
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(`${portal.baseUrl}/requests/${reference}`);
    const shown = (await page.locator(".summary-list .tag").first().innerText()).trim();
    if (shown === statusText) return;
    if (Date.now() > until) throw new Error(`/requests/${reference} still shows "${shown}", not "${statusText}", after ${timeoutMs} ms`);
    await page.waitForTimeout(500);
  }
}

export interface ReviewChoices {
  /** Suggestions to accept, by the text they cover (e.g. a phone number). */
  accept: string[];
  /** A span typed in by hand, in the message whose text contains `inMessage`. */
  add?: { text: string; inMessage: string };
}

/**
 * From the request page to the package review: ticks the suggestions, types the added span, saves
 * the page, goes to the release page and releases. Ends back on the request page.
 */
export async function staffReviewsAndReleases(browser: Browser, journey: Journey, choices: ReviewChoices): Promise<void> {
  const { page } = browser;
  await clickAndWait(page, 'a[href$="/review"]');
  expect(new URL(page.url()).pathname).to.match(/\/review$/);
  await journey.step(browser, "staff-review");
  expect(await onPhone(browser, journey, "staff-review-phone"), "the review page scrolls sideways at 360 px").to.be.at.most(0);
  for (const text of choices.accept) {
    const box = page.locator(`ul.review-choices li:has(label:has-text("${text}")) input[type="checkbox"][name^="s."]`).first();
    await box.check();
  }
  if (choices.add) {
    await page.locator("#field-addText").fill(choices.add.text);
    const value = await page.locator("#field-addItem option").evaluateAll(
      (options, needle) => (options as HTMLOptionElement[]).find((o) => o.textContent?.includes(needle))?.value ?? "",
      choices.add.inMessage.slice(0, 20),
    );
    expect(value, "the message to add a redaction to").to.not.equal("");
    await page.locator("#field-addItem").selectOption(value);
  }
  await submitForm(page, "/review?c=0&p=0");
  await journey.step(browser, "staff-review-saved");
  // The last page's save leads to the release page; otherwise the next page shows, with the link.
  if (!new URL(page.url()).pathname.endsWith("/review/release")) {
    await clickAndWait(page, 'a[href$="/review/release"]');
    await journey.step(browser, "staff-review-release");
  }
  await submitForm(page, "/review/release");
  expect(new URL(page.url()).pathname).to.match(/^\/staff\/requests\/[0-9a-f-]{36}$/);
  await journey.step(browser, "staff-released");
}
