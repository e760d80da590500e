/**
 * The organization's settings, typed: what its access packages and notices say (per offered
 * language), who its DPO and lead authority are, how requesters may prove who they are, whether
 * IP addresses are stored, and the sender name of its e-mails. Stored in organizations
 * (privacy_info for the texts, columns for the rest); this file reads the stored shape tolerantly
 * and parses each settings form strictly.
 */
import { z } from "zod";
import { requestTypes, type MinimumAssurance, type VerificationMethods } from "../db/schema/index.js";
import { authorities } from "../requests/authorities.js";
import { ValidationError } from "../platform/errors.js";
import { isLocale, type Locale } from "../platform/i18n.js";
import type { Organization } from "../platform/http/types.js";

/** A text per offered language. */
export type LocalizedText = Partial<Record<Locale, string>>;

/** The texts an access package and a notice need (GDPR Art. 13(1)(c), 15(1)(a)(b)(g), 15(2)). */
export const privacyTexts = ["purposes", "legalBases", "categories", "source"] as const;
export type PrivacyText = (typeof privacyTexts)[number];

export type Transfers = { outsideEea: false } | { outsideEea: true; details: LocalizedText };

export interface PrivacySettings {
  purposes: LocalizedText;
  legalBases: LocalizedText;
  categories: LocalizedText;
  source: LocalizedText;
  /** null until the organization answered (the answer "none" counts as an answer). */
  transfers: Transfers | null;
}

export const assuranceChoices = ["any", "email", "account"] as const;
export type AssuranceChoice = (typeof assuranceChoices)[number];

export interface OrganizationSettings extends PrivacySettings {
  dpoEmail: string | null;
  authorityCountry: string;
  mailSenderName: string | null;
  verificationMethods: VerificationMethods;
  minimumAssurance: MinimumAssurance;
  storeIpAddresses: boolean;
}

const storedText = z
  .record(z.string(), z.unknown())
  .transform((map): LocalizedText => Object.fromEntries(Object.entries(map).filter(([l, v]) => isLocale(l) && typeof v === "string" && v.trim() !== "")))
  .catch({});
const storedTransfers = z
  .union([
    z.object({ outsideEea: z.literal(false) }).transform((): Transfers => ({ outsideEea: false })),
    z.object({ outsideEea: z.literal(true), details: storedText }),
  ])
  .nullable()
  .catch(null);

/** The texts as stored; anything that is not per language (an old plain string) counts as not filled in. */
export function readPrivacySettings(info: Record<string, unknown> | null | undefined): PrivacySettings {
  const raw = info ?? {};
  return {
    purposes: storedText.parse(raw.purposes),
    legalBases: storedText.parse(raw.legalBases),
    categories: storedText.parse(raw.categories),
    source: storedText.parse(raw.source),
    transfers: storedTransfers.parse(raw.transfers ?? null),
  };
}

export function readSettings(org: Organization): OrganizationSettings {
  return {
    ...readPrivacySettings(org.privacyInfo),
    dpoEmail: org.dpoEmail,
    authorityCountry: org.authorityCountry,
    mailSenderName: org.mailSenderName,
    verificationMethods: org.verificationMethods,
    minimumAssurance: org.minimumAssurance,
    storeIpAddresses: org.storeIpAddresses,
  };
}

/** The offered languages the organization writes its texts in (unknown codes are left out). */
export function offeredLocales(org: Pick<Organization, "locales">): Locale[] {
  return org.locales.filter(isLocale);
}

/** A text in one language, falling back to the organization's default, then to any. */
export function textIn(text: LocalizedText, locale: Locale, fallback: string): string {
  return text[locale] ?? (isLocale(fallback) ? text[fallback] : undefined) ?? Object.values(text).find(Boolean) ?? "";
}

/** Every offered language has a non-empty text. */
export function complete(text: LocalizedText, locales: readonly Locale[]): boolean {
  return locales.length > 0 && locales.every((l) => (text[l] ?? "").trim() !== "");
}

// --- the forms --------------------------------------------------------------------------------

/** The settings screen's sections, each its own page (GOV.UK task list: one task, one page). */
export const settingsSections = ["about", "transfers", "contacts", "verification", "mail"] as const;
export type SettingsSection = (typeof settingsSections)[number];

export function isSettingsSection(x: unknown): x is SettingsSection {
  return typeof x === "string" && (settingsSections as readonly string[]).includes(x);
}

/** The most characters a notice text takes in one language (the settings pages count them). */
export const SETTINGS_TEXT_MAX = 5000;
// C0 and C1 control characters other than tab and line breaks, and bidirectional overrides: never
// wanted in a notice, and a way to make one text read differently from what it is.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const longText = z.string().max(SETTINGS_TEXT_MAX, "platform.errors.tooLong").refine((s) => !CONTROL.test(s), "platform.errors.format").default("");
const textKey = (field: string, locale: Locale) => `${field}.${locale}`;
/** The field error for a text missing in one language: its own message, so the summary says which. */
const missingKey = (field: string, locale: Locale) => `settings.errors.missing.${field}.${locale}`;

type Body = Record<string, unknown>;
type Issues = Record<string, string>;

function texts(body: Body, field: string, locales: readonly Locale[], issues: Issues, required: boolean): LocalizedText {
  const out: LocalizedText = {};
  for (const locale of locales) {
    const key = textKey(field, locale);
    const parsed = longText.safeParse(body[key]);
    if (!parsed.success) {
      issues[key] = parsed.error.issues[0]!.message;
      continue;
    }
    // One text per line is a list item in the package: trailing spaces and blank lines go.
    const value = parsed.data.replace(/\r\n?/g, "\n").split("\n").map((l) => l.trimEnd()).join("\n").trim();
    if (value) out[locale] = value;
    else if (required) issues[key] = missingKey(field, locale);
  }
  return out;
}

function fail(issues: Issues): void {
  if (Object.keys(issues).length) throw new ValidationError(issues);
}

export type SectionValues =
  | { section: "about"; values: Pick<PrivacySettings, PrivacyText> }
  | { section: "transfers"; values: { transfers: Transfers } }
  | { section: "contacts"; values: { dpoEmail: string; authorityCountry: string } }
  | { section: "verification"; values: { verificationMethods: VerificationMethods; minimumAssurance: MinimumAssurance; storeIpAddresses: boolean } }
  | { section: "mail"; values: { mailSenderName: string } };

const email = z.string().trim().min(1, "settings.errors.dpoEmail").max(254, "settings.errors.dpoEmail").pipe(z.email("settings.errors.dpoEmail"));
const authority = z.enum(authorities.map((a) => a.country) as [string, ...string[]], { error: "settings.errors.authority" });
const senderName = z
  .string()
  .trim()
  .min(1, "settings.errors.senderName")
  .max(100, "platform.errors.tooLong")
  // A display name only: no address, quotes or angle brackets that could change the From header.
  .refine((s) => !LINE_CONTROL.test(s) && !/[<>"@\\]/.test(s), "settings.errors.senderNameFormat");
const yesNo = (error: string) => z.enum(["yes", "no"], { error });
const checked = (v: unknown, name: string) => v === name || (Array.isArray(v) && v.includes(name));

/** Parses one section's form for an organization offering `locales`; every text is required in every one. */
export function parseSection(section: SettingsSection, body: Body, locales: readonly Locale[]): SectionValues {
  const issues: Issues = {};
  const one = <T>(schema: z.ZodType<T>, field: string): T | undefined => {
    const r = schema.safeParse(body[field]);
    if (r.success) return r.data;
    issues[field] = r.error.issues[0]!.message;
    return undefined;
  };
  switch (section) {
    case "about": {
      const values = Object.fromEntries(privacyTexts.map((f) => [f, texts(body, f, locales, issues, true)])) as Pick<PrivacySettings, PrivacyText>;
      fail(issues);
      return { section, values };
    }
    case "transfers": {
      const answer = one(yesNo("settings.errors.transfers"), "outsideEea");
      const details = texts(body, "transferDetails", locales, issues, answer === "yes");
      fail(issues);
      return { section, values: { transfers: answer === "yes" ? { outsideEea: true, details } : { outsideEea: false } } };
    }
    case "contacts": {
      const dpoEmail = one(email, "dpoEmail");
      const authorityCountry = one(authority, "authorityCountry");
      fail(issues);
      return { section, values: { dpoEmail: dpoEmail!.toLowerCase(), authorityCountry: authorityCountry! } };
    }
    case "verification": {
      const verificationMethods = { account: checked(body.methods, "account"), email: checked(body.methods, "email"), receipt: checked(body.methods, "receipt") };
      if (!verificationMethods.account && !verificationMethods.email && !verificationMethods.receipt) issues.methods = "settings.errors.methods";
      const minimumAssurance: MinimumAssurance = {};
      for (const type of requestTypes) {
        const level = one(z.enum(assuranceChoices, { error: "platform.errors.choose" }).default("any"), `assurance.${type}`);
        if (level && level !== "any") minimumAssurance[type] = level;
      }
      const storeIp = one(yesNo("settings.errors.storeIp"), "storeIpAddresses");
      fail(issues);
      return { section, values: { verificationMethods, minimumAssurance, storeIpAddresses: storeIp === "yes" } };
    }
    case "mail": {
      const mailSenderName = one(senderName, "mailSenderName");
      fail(issues);
      return { section, values: { mailSenderName: mailSenderName! } };
    }
  }
}

/** The form's fields as the stored settings fill them in (for the first view of a section). */
export function sectionFormValues(settings: OrganizationSettings, locales: readonly Locale[]): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const f of privacyTexts) for (const l of locales) values[textKey(f, l)] = settings[f][l] ?? "";
  if (settings.transfers) {
    values.outsideEea = settings.transfers.outsideEea ? "yes" : "no";
    if (settings.transfers.outsideEea) for (const l of locales) values[textKey("transferDetails", l)] = settings.transfers.details[l] ?? "";
  }
  values.dpoEmail = settings.dpoEmail ?? "";
  values.authorityCountry = settings.authorityCountry;
  values.methods = (["account", "email", "receipt"] as const).filter((m) => settings.verificationMethods[m]);
  for (const type of requestTypes) values[`assurance.${type}`] = settings.minimumAssurance[type] ?? "any";
  values.storeIpAddresses = settings.storeIpAddresses ? "yes" : "no";
  values.mailSenderName = settings.mailSenderName ?? "";
  return values;
}
