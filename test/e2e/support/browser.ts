/**
 * Headless Debian Chromium driven by playwright-core (no browser download), a fresh profile per
 * browser, axe-core run on every page a journey visits, and a screenshot of every step under
 * test-results/screenshots/<journey>/<nn-step>.png.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { Locale } from "../../../src/platform/i18n.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const screenshotsDir = path.join(root, "test-results", "screenshots");
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const allLocales: readonly Locale[] = ["en", "fi", "sv", "nl", "et"];

const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed page scripts (a CSP refusal shows up here). */
  errors: string[];
  close(): Promise<void>;
}

/** A new Chromium with its own empty profile (--user-data-dir), so no cookie leaks between people. */
export async function openBrowser(opts: { width?: number; height?: number; locale?: string } = {}): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
    viewport: { width: opts.width ?? 1024, height: opts.height ?? 800 },
    locale: opts.locale ?? "en-GB",
    acceptDownloads: true,
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    // A page answered 4xx on purpose (a form with errors is 422) logs "Failed to load resource";
    // what matters is a failing style sheet, script or image, checked on the responses below.
    page.on("console", (msg) => {
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(msg.text());
    });
    page.on("response", (res) => {
      const type = res.request().resourceType();
      if (type !== "document" && res.status() >= 400 && !res.url().endsWith("/favicon.ico")) errors.push(`${res.status()} for ${type} ${res.url()}`);
    });
    page.on("pageerror", (err) => errors.push(err.message));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

interface AxeNode {
  target: string[];
  failureSummary?: string;
  html: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: AxeNode[];
}

/** axe-core on the page as it is now; throws naming each serious or critical rule and its nodes. */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  // page.evaluate runs outside the page's CSP, so the strict policy stays switched on.
  const present = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!present) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html })) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length === 0) return;
  const lines = bad.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes.slice(0, 5).map((n) => `  ${n.target.join(" ")} — ${n.html.slice(0, 160)}\n    ${(n.failureSummary ?? "").replace(/\n/g, "\n    ")}`),
  ]);
  throw new Error(`axe found ${bad.length} serious/critical violation(s) on ${label} (${page.url()}):\n${lines.join("\n")}`);
}

/** A key shown instead of its text means t() found no translation at all. */
const rawKey = /\b(?:platform|identity|requests|exports|staff|complaints|fulfilment|retention|audit|mail|chats|settings)\.[A-Za-z_]+\.[A-Za-z_.]+\b/;

/**
 * Switches the page's language with the switch in the header, as a person would (a button of the
 * switch's form; on a page with a form it submits that form, so what was typed stays).
 */
export async function useLanguage(page: Page, locale: Locale): Promise<void> {
  const current = await page.evaluate(() => document.documentElement.lang);
  if (current === locale) return;
  await page.locator(`.lang-switch [lang="${locale}"]`).click();
  await page.waitForFunction((l) => document.documentElement.lang === l, locale);
}

/**
 * One journey: each step may switch the language, then is checked with axe, searched for raw
 * keys and photographed. Languages rotate step by step, so every journey passes through all five.
 */
export class Journey {
  private count = 0;
  readonly dir: string;
  /** Languages the journey's pages were shown in. */
  readonly seen = new Set<string>();

  constructor(readonly name: string, private readonly locales: readonly Locale[] = allLocales) {
    this.dir = path.join(screenshotsDir, name);
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** The language the next step will be shown in. */
  nextLocale(): Locale {
    return this.locales[this.count % this.locales.length]!;
  }

  /** Fails unless every language the journey rotates through was shown on some page. */
  assertAllLocalesSeen(): void {
    const missing = this.locales.filter((l) => !this.seen.has(l));
    if (missing.length) throw new Error(`${this.name} never showed a page in ${missing.join(", ")}`);
  }

  async step(browser: Browser, step: string, opts: { locale?: Locale | "keep" } = {}): Promise<Locale> {
    const { page } = browser;
    const locale = opts.locale === "keep" ? undefined : (opts.locale ?? this.nextLocale());
    this.count += 1;
    if (locale) await useLanguage(page, locale);
    const shown = await page.evaluate(() => document.documentElement.lang);
    this.seen.add(shown);
    const label = `${this.name}/${step} [${shown}]`;
    const file = path.join(this.dir, `${String(this.count).padStart(2, "0")}-${step}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const text = await page.evaluate(() => document.body.innerText);
    const key = rawKey.exec(text);
    if (key) throw new Error(`${label} shows the untranslated key "${key[0]}"`);
    await assertAccessible(page, label);
    if (browser.errors.length) throw new Error(`${label}: browser errors: ${browser.errors.splice(0).join(" | ")}`);
    return shown as Locale;
  }
}

/** Clicks a submit button of the form posting to a path ending in `action`, and waits for the next page. */
export async function submitForm(page: Page, action: string): Promise<void> {
  const button = page.locator(`form[action$="${action}"] [type="submit"]`).first();
  await Promise.all([page.waitForEvent("framenavigated"), button.click()]);
  await page.waitForLoadState("load");
}

/** How far the page scrolls sideways (0 when it reflows to the window, as WCAG 1.4.10 asks). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Looks at the current page on a 360 px phone: photographed, checked with axe, no sideways scrolling. */
export async function onPhone(browser: Browser, journey: Journey, step: string): Promise<number> {
  const { page } = browser;
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await journey.step(browser, step, { locale: "keep" });
    return await sidewaysOverflow(page);
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
