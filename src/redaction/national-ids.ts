/**
 * National identity numbers of the four countries the helplines work in, validated by their
 * check digits and birth dates so that a date, an order number or a mistyped number is not
 * suggested as an identity number. Validators take the number as written (separators allowed
 * where the scheme has them) and are exported for the tests and for the review screen's
 * "add redaction" form.
 */
import type { Entity, IdCountry, RedactionLanguage } from "./types.js";

function isDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function digitsOf(value: string): number[] {
  return Array.from(value, (ch) => ch.charCodeAt(0) - 48);
}

// ---- Finland: henkilötunnus DDMMYYCNNNT, C the century sign, T = DDMMYYNNN mod 31 ----
const FI_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY";
const FI_CENTURY: Record<string, number> = { "+": 1800, "-": 1900, U: 1900, V: 1900, W: 1900, X: 1900, Y: 1900, A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000 };
const FI_SHAPE = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/;

export function fiCheckCharacter(ddmmyynnn: string): string {
  return FI_CHECK[Number(ddmmyynnn) % 31]!;
}

export function isValidHenkilotunnus(value: string): boolean {
  const m = FI_SHAPE.exec(value.toUpperCase());
  if (!m) return false;
  const [, dd, mm, yy, sign, nnn, check] = m as unknown as [string, string, string, string, string, string, string];
  if (!isDate(FI_CENTURY[sign]! + Number(yy), Number(mm), Number(dd))) return false;
  // 000–001 are never issued; 900–899 are temporary numbers, still identifying.
  if (Number(nnn) < 2) return false;
  return fiCheckCharacter(dd + mm + yy + nnn) === check;
}

// ---- Sweden: personnummer / samordningsnummer, [YY]YYMMDD[-+]NNNC, Luhn over YYMMDDNNN ----
const SE_SHAPE = /^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$/;

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  digitsOf(digits).forEach((d, i) => {
    const v = i % 2 === 0 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  });
  return (10 - (sum % 10)) % 10;
}

export function isValidPersonnummer(value: string): boolean {
  const m = SE_SHAPE.exec(value);
  if (!m) return false;
  const [, cc, yy, mm, ddRaw, , nnn, check] = m as unknown as [string, string | undefined, string, string, string, string, string, string];
  // Samordningsnummer: day + 60.
  const dd = Number(ddRaw) > 60 ? Number(ddRaw) - 60 : Number(ddRaw);
  const years = cc ? [Number(cc + yy)] : [1900 + Number(yy), 2000 + Number(yy)];
  if (cc && (Number(cc) < 18 || Number(cc) > 20)) return false;
  if (!years.some((y) => isDate(y, Number(mm), dd))) return false;
  return luhnCheckDigit(yy + mm + ddRaw + nnn) === Number(check);
}

// ---- Netherlands: BSN, 9 digits, 11-proof (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11) ----
const NL_SHAPE = /^(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3}|\d{3}\.\d{3}\.\d{3})$/;

export function bsnSum(nineDigits: string): number {
  const d = digitsOf(nineDigits);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += d[i]! * (9 - i);
  return sum - d[8]!;
}

export function isValidBsn(value: string): boolean {
  if (!NL_SHAPE.test(value)) return false;
  const digits = value.replace(/[. ]/g, "");
  if (/^0+$/.test(digits)) return false;
  return bsnSum(digits) % 11 === 0;
}

// ---- Estonia: isikukood GYYMMDDSSSC, two-stage mod 11 ----
const EE_SHAPE = /^([1-8])(\d{2})(\d{2})(\d{2})(\d{3})(\d)$/;
const EE_W1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
const EE_W2 = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];

export function isikukoodCheckDigit(tenDigits: string): number {
  const d = digitsOf(tenDigits);
  const stage = (w: number[]) => d.reduce((s, v, i) => s + v * w[i]!, 0) % 11;
  const first = stage(EE_W1);
  if (first < 10) return first;
  const second = stage(EE_W2);
  return second < 10 ? second : 0;
}

export function isValidIsikukood(value: string): boolean {
  const m = EE_SHAPE.exec(value);
  if (!m) return false;
  const [, g, yy, mm, dd] = m as unknown as [string, string, string, string, string];
  const century = 1800 + Math.floor((Number(g) - 1) / 2) * 100;
  if (!isDate(century + Number(yy), Number(mm), Number(dd))) return false;
  return isikukoodCheckDigit(value.slice(0, 10)) === Number(value[10]);
}

const VALIDATORS: Record<IdCountry, (value: string) => boolean> = {
  FI: isValidHenkilotunnus,
  SE: isValidPersonnummer,
  NL: isValidBsn,
  EE: isValidIsikukood,
};

/** Which scheme to try first where one string fits two (FI "131052-3087" vs SE "811228-9874"). */
const PREFERENCE: Record<RedactionLanguage, IdCountry[]> = {
  fi: ["FI", "SE", "EE", "NL"],
  sv: ["SE", "FI", "EE", "NL"],
  nl: ["NL", "SE", "FI", "EE"],
  et: ["EE", "FI", "SE", "NL"],
  en: ["FI", "SE", "NL", "EE"],
};

/** The country whose checksum the value passes, or undefined. */
export function nationalIdCountry(value: string, language: RedactionLanguage = "en"): IdCountry | undefined {
  return PREFERENCE[language].find((country) => VALIDATORS[country](value));
}

/** The form identity numbers are compared in (requester's own numbers): no separators, upper case. */
export function normalizeNationalId(value: string): string {
  const upper = value.trim().toUpperCase();
  // The FI century sign is part of the number; the SE/NL separators are not.
  return isValidHenkilotunnus(upper) ? upper : upper.replace(/[-+. ]/g, "");
}

// Candidates: FI shape, SE with separator (6 or 8 digits), BSN with dots or spaces, bare 9–12 digits.
// Bounded quantifiers and a lookbehind that refuses to start inside a run keep it linear.
const CANDIDATE =
  /(?<![\p{L}\p{N}+\-.])(?:\d{6}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y]|\d{8}-\d{4}|\d{6}[-+]\d{4}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3}|\d{9,12})(?![\p{L}\p{N}]|[-.]\d)/gu;
const KEYWORD =
  /(?:hetu|henkilötun|sotu|henkkari|personnumm|personnr|pnr|samordningsn|bsn|burgerservicen|sofin|isikukood|isikukoodi|\bik\b|identity|id[ -]?(?:code|number|nr)|ssn)/iu;

export function detectNationalIds(text: string, language: RedactionLanguage): Entity[] {
  const found: Entity[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const raw = m[0];
    const country = nationalIdCountry(raw.toUpperCase(), language);
    if (!country) continue;
    const start = m.index;
    const cue = KEYWORD.test(text.slice(Math.max(0, start - 40), start));
    const separated = /\D/.test(raw);
    // "097 006 452" is how a Helsinki number is written; as a BSN it would rarely start with 0.
    const phoneLike = /^0\d{2} \d{3} \d{3}$/.test(raw);
    found.push({
      kind: "national_id",
      start,
      end: start + raw.length,
      text: raw,
      // A bare 10-digit string can be a phone number too; the phone wins unless a keyword is near.
      confidence: cue ? 0.99 : phoneLike ? 0.85 : separated ? 0.97 : 0.86,
      source: "checksum",
      country,
    });
  }
  return found;
}
