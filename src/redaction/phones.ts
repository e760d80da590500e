/**
 * Phone numbers. Candidates are digit runs with the separators people type (spaces, dashes, dots,
 * slashes, brackets); libphonenumber-js (full metadata) decides whether a candidate is a valid
 * number of the message's country, or, for a number written with a trunk "0", of another
 * country the helplines serve. Its own text finder is not used: it accepts "2019-2023" and
 * "2024 25,90" as numbers and misses some British ones.
 */
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import type { Entity, RedactionLanguage } from "./types.js";

const HOME_COUNTRY: Record<RedactionLanguage, CountryCode> = { fi: "FI", sv: "SE", nl: "NL", et: "EE", en: "GB" };
const SERVED: CountryCode[] = ["FI", "SE", "NL", "EE", "GB"];

// One digit per repetition (with up to two separators before it): a run splits only one way,
// so a failing candidate backtracks linearly. Starts only where a run starts.
const CANDIDATE = /(?<![\p{L}\p{N}+_@/\-])(?:\+|00)?(?:\(\d{1,4}\)[ \-]?)?\d(?:[ \u00a0\-./()]{0,2}\d){5,16}(?![\p{N}]|[\p{L}_@]|[.\-]\d)/gu;
// Dates, time spans, year ranges and the shapes of identity numbers are never phone numbers.
const NOT_PHONE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$|^\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}$|^(?:19|20)\d{2}\s?[-–]\s?(?:19|20)\d{2}$|^(?:\d{2})?\d{6}[-+]\d{4}$/;

interface Group {
  start: number; // offset in the text
  end: number;
}

function validIn(candidate: string, language: RedactionLanguage): boolean {
  const digits = candidate.replace(/\D/g, "");
  if (digits.length < 7 || digits.length > 15) return false;
  const international = /^\s*(?:\+|00)/.test(candidate);
  const home = HOME_COUNTRY[language];
  const trunk = /^\(?0/.test(candidate);
  // Written nationally, numbers start with the trunk "0" everywhere but in Estonia: a bare
  // "354810276" is an order number (or a broken BSN), not a Dutch phone number.
  if (international || trunk || home === "EE") {
    if (parsePhoneNumberFromString(candidate, home)?.isValid()) return true;
  }
  if (international) return false;
  // A national number from another country the helplines serve (a Finnish number in a Swedish
  // chat; an Estonian mobile, 5 and seven digits, anywhere).
  if (trunk) return SERVED.some((c) => c !== home && parsePhoneNumberFromString(candidate, c)?.isValid());
  return home !== "EE" && /^5\d{3}\s?\d{4}$/.test(candidate) && Boolean(parsePhoneNumberFromString(candidate, "EE")?.isValid());
}

/** Splits a candidate into its digit groups, so a number glued to the next figure can still be found. */
function groupsOf(text: string, start: number, end: number): Group[] {
  const groups: Group[] = [];
  const re = /(?:\+|00)?\(?\d+\)?/g;
  const slice = text.slice(start, end);
  for (const m of slice.matchAll(re)) groups.push({ start: start + m.index, end: start + m.index + m[0].length });
  return groups;
}

export function normalizePhone(value: string, language: RedactionLanguage): string {
  const parsed = parsePhoneNumberFromString(value, HOME_COUNTRY[language]);
  return parsed?.isValid() ? parsed.number : value.replace(/\D/g, "");
}

export function detectPhones(text: string, language: RedactionLanguage): Entity[] {
  const found: Entity[] = [];
  const push = (start: number, end: number) =>
    found.push({ kind: "phone", start, end, text: text.slice(start, end), confidence: 0.9, source: "library" });
  for (const m of text.matchAll(CANDIDATE)) {
    const raw = m[0];
    if (NOT_PHONE.test(raw)) continue;
    if (validIn(raw, language)) {
      push(m.index, m.index + raw.length);
      continue;
    }
    // Longest valid run of whole groups, left to right (e.g. "040 123 4567 2 kertaa").
    const groups = groupsOf(text, m.index, m.index + raw.length);
    let i = 0;
    while (i < groups.length) {
      let matched = false;
      for (let j = groups.length - 1; j >= i; j--) {
        const s = groups[i]!.start;
        const e = groups[j]!.end;
        if (e - s < 7) break;
        if (validIn(text.slice(s, e), language)) {
          push(s, e);
          i = j + 1;
          matched = true;
          break;
        }
      }
      if (!matched) i++;
    }
  }
  return found;
}
