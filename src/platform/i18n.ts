import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IntlMessageFormat } from "intl-messageformat";

/**
 * Every user-facing string goes through t(). Catalogs live beside the capability that uses them
 * (src/<capability>/locales/<lang>.json); keys are prefixed with the capability's folder name,
 * so "signIn.title" in src/identity/locales/fi.json is t("identity.signIn.title").
 */
export const supportedLocales = ["en", "fi", "sv", "nl", "et"] as const;
export type Locale = (typeof supportedLocales)[number];
export type Vars = Record<string, string | number>;
export type Translate = (key: string, vars?: Vars) => string;

export const localeNames: Record<Locale, string> = {
  en: "English",
  fi: "Suomi",
  sv: "Svenska",
  nl: "Nederlands",
  et: "Eesti",
};

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

type Catalog = Map<string, string>;
let catalogs: Record<Locale, Catalog> | undefined;

function flatten(prefix: string, value: unknown, into: Catalog): void {
  if (typeof value === "string") {
    into.set(prefix, value);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(`${prefix}.${k}`, v, into);
}

/** Reads every src/<capability>/locales/<lang>.json once. */
export function loadCatalogs(): Record<Locale, Catalog> {
  if (catalogs) return catalogs;
  const result = Object.fromEntries(supportedLocales.map((l) => [l, new Map()])) as Record<Locale, Catalog>;
  for (const capability of fs.readdirSync(srcDir)) {
    const dir = path.join(srcDir, capability, "locales");
    if (!fs.existsSync(dir)) continue;
    for (const locale of supportedLocales) {
      const file = path.join(dir, `${locale}.json`);
      if (fs.existsSync(file)) flatten(capability, JSON.parse(fs.readFileSync(file, "utf8")), result[locale]);
    }
  }
  catalogs = result;
  return result;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (supportedLocales as readonly string[]).includes(value);
}

export function interpolate(template: string, vars: Vars = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** A message that counts or chooses: `{count, plural, one {# message} other {# messages}}`. */
export const ICU_ARGUMENT = /\{\s*\w+\s*,\s*(?:plural|selectordinal|select)\s*,/;
const compiled = new Map<string, IntlMessageFormat>();

/**
 * Plain messages interpolate `{name}`; ICU messages (plurals, selects) go through
 * intl-messageformat with the locale's plural rules, compiled once. Tags are not parsed: a `<`
 * in a message is text, and views escape what they print.
 */
export function formatMessage(template: string, locale: Locale, vars: Vars = {}): string {
  if (!ICU_ARGUMENT.test(template)) return interpolate(template, vars);
  const id = `${locale}\0${template}`;
  let message = compiled.get(id);
  if (!message) compiled.set(id, (message = new IntlMessageFormat(template, intlLocale(locale), undefined, { ignoreTag: true })));
  return String(message.format(vars));
}

/** A translator for one locale; a key missing there falls back to English, then to the key itself. */
export function translator(locale: Locale): Translate {
  const all = loadCatalogs();
  return (key, vars) => {
    const own = all[locale].get(key);
    return own !== undefined ? formatMessage(own, locale, vars) : formatMessage(all.en.get(key) ?? key, "en", vars);
  };
}

/** Picks the best supported locale from an Accept-Language header. */
export function negotiateLocale(header: string | undefined, allowed: readonly string[]): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(",")
    .map((part) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = Number(params.find((p) => p.trim().startsWith("q="))?.split("=")[1] ?? 1);
      return { lang: tag.toLowerCase().split("-")[0] ?? "", q: Number.isFinite(q) ? q : 0 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((x) => x.lang).find((l): l is Locale => isLocale(l) && allowed.includes(l));
}

/** English is written for European readers: "2 March 2026", 24-hour times (as in the exports). */
const intlLocale = (locale: Locale) => (locale === "en" ? "en-GB" : locale);

export type Formatters = ReturnType<typeof makeFormatters>;

/**
 * Made once per language and time zone, not per request: building an Intl.DateTimeFormat costs
 * more than rendering a page's dates with it (bench:http profiles showed it on every page).
 */
const formattersMade = new Map<string, Formatters>();

/** Dates and times in the locale's format and the organization's time zone. */
export function formatters(locale: Locale, timeZone: string): Formatters {
  const key = `${locale}|${timeZone}`;
  let made = formattersMade.get(key);
  if (!made) {
    made = makeFormatters(locale, timeZone);
    formattersMade.set(key, made);
  }
  return made;
}

function makeFormatters(locale: Locale, timeZone: string) {
  const date = new Intl.DateTimeFormat(intlLocale(locale), { timeZone, dateStyle: "long" });
  const dateTime = new Intl.DateTimeFormat(intlLocale(locale), { timeZone, dateStyle: "medium", timeStyle: "short" });
  const utcDate = new Intl.DateTimeFormat(intlLocale(locale), { timeZone: "UTC", dateStyle: "long" });
  return {
    date: (d: Date) => date.format(d),
    dateTime: (d: Date) => dateTime.format(d),
    /** A YYYY-MM-DD local date (e.g. a due date) in the locale's long format. */
    localDate: (ymd: string) => utcDate.format(new Date(`${ymd}T00:00:00Z`)),
  };
}

/**
 * The GOV.UK character count's words: the message under a limited field ("You have 12 characters
 * remaining", "You have 3 characters too many"), and the same messages as templates with `{n}`
 * for public/js/character-count.js, one per plural category of the locale, so the count it
 * updates as the person types reads as the server's does. The catalog stays the one source.
 */
export function characterCount(t: Translate, locale: Locale) {
  const key = (left: number) => (left >= 0 ? "platform.characterCount.remaining" : "platform.characterCount.tooMany");
  const message = (max: number, length: number) => t(key(max - length), { count: Math.abs(max - length) });
  const { rules, number } = countFormats(locale);
  const templates = (messageKey: string) =>
    Object.fromEntries(
      rules.resolvedOptions().pluralCategories.map((category) => {
        const sample = pluralSample(rules, category);
        return [category, t(messageKey, { count: sample }).replace(number.format(sample), "{n}")];
      }),
    );
  return {
    message,
    templates: () => ({ remaining: templates(key(0)), tooMany: templates(key(-1)) }),
  };
}

/** Made once per language, as the date formatters are: setPageLocals asks on every page. */
const countFormatsMade = new Map<Locale, { rules: Intl.PluralRules; number: Intl.NumberFormat }>();
function countFormats(locale: Locale): { rules: Intl.PluralRules; number: Intl.NumberFormat } {
  let made = countFormatsMade.get(locale);
  if (!made) {
    made = { rules: new Intl.PluralRules(intlLocale(locale)), number: new Intl.NumberFormat(intlLocale(locale)) };
    countFormatsMade.set(locale, made);
  }
  return made;
}

/** A number of that plural category, above 1 when there is one (so "1" in the text is the count). */
function pluralSample(rules: Intl.PluralRules, category: string): number {
  for (const n of [...Array.from({ length: 199 }, (_, i) => i + 2), 0, 1]) if (rules.select(n) === category) return n;
  return 0;
}
