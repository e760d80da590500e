/**
 * Times in packages: ISO 8601 with the organization's UTC offset (e.g. 2026-02-01T12:00:00.000+02:00),
 * so a reader sees local time and can still compute the instant. Formatters are cached: building
 * an Intl.DateTimeFormat costs far more than using one, and a package formats every message.
 */
import { isLocale, type Locale } from "../platform/i18n.js";

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

function localParts(date: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of partsFormatter(timeZone).formatToParts(date)) out[p.type] = p.value;
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * The zone's UTC offset in minutes at an instant. Offsets change only at whole quarter hours
 * (UTC), so one Intl lookup per zone and quarter hour serves every message in it.
 */
const QUARTER_HOUR = 15 * 60_000;
const offsetCache = new Map<string, number>();

export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  const bucket = Math.floor(date.getTime() / QUARTER_HOUR);
  const key = `${timeZone}|${bucket}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const at = new Date(bucket * QUARTER_HOUR);
    const p = localParts(at, timeZone);
    const localAsUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    offset = Math.round((localAsUtc - at.getTime()) / 60_000);
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/** ISO 8601 in the given zone with its offset at that instant, e.g. 2026-02-01T12:00:00.000+02:00. */
export function isoWithOffset(date: Date, timeZone: string): string {
  const offsetMin = zoneOffsetMinutes(date, timeZone);
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const year = local.getUTCFullYear();
  const y = year >= 0 && year <= 9999 ? pad(year, 4) : String(year);
  return (
    `${y}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:` +
    `${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** YYYY-MM-DD of the instant in the given zone (file names). */
export function localDate(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Our five UI languages as Intl locales for dates (en-GB: day-month order, 24-hour clock). */
const INTL: Record<Locale, string> = { en: "en-GB", fi: "fi-FI", sv: "sv-SE", nl: "nl-NL", et: "et-EE" };

export function packageLocale(requested: string | null | undefined, fallback: string | null | undefined): Locale {
  if (isLocale(requested)) return requested;
  if (isLocale(fallback)) return fallback;
  return "en";
}

export function intlLocale(locale: Locale): string {
  return INTL[locale];
}
