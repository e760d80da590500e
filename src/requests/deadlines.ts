/**
 * GDPR Art. 12(3) deadlines, counted as Regulation (EEC, Euratom) 1182/71 Art. 3 prescribes:
 * the period ends on the same date N months after receipt (or that month's last day), and if
 * that day is a Saturday, Sunday or public holiday of the Member State, at the end of the next
 * working day. Pure functions: dates are "YYYY-MM-DD" strings, instants are Date objects.
 */
import Holidays, { type HolidaysTypes } from "date-holidays";

/** EU + EEA Member States (ISO 3166-1 alpha-2; Greece is "GR", not "EL"). */
export const supportedCountries = [
  "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV",
  "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
] as const;
export type SupportedCountry = (typeof supportedCountries)[number];

export function isSupportedCountry(x: unknown): x is SupportedCountry {
  return typeof x === "string" && (supportedCountries as readonly string[]).includes(x);
}

/*
 * Holiday policy. Only date-holidays type "public" counts: "bank" (bank closures such as New
 * Year's Eve), "optional", "school" and "observance" days are not days designated by law, and
 * counting them would push a deadline past the legal one. Half days (Iceland's Christmas and New
 * Year's Eve from 13:00) stay working days for the same reason. On top of that, each national
 * time-limits act below names days that end a period like a holiday although date-holidays does
 * not type them "public". Where law is unclear we keep the earlier (stricter) date.
 * - FI: Laki säädettyjen määräaikain laskemisesta 150/1930 §5 names "joulu- tai juhannusaatto",
 *   so Christmas Eve and Midsummer Eve (Friday 19–25 June) count.
 * - SE: Lag (1930:173) om beräkning av lagstadgad tid §2 names midsommarafton, julafton and
 *   nyårsafton.
 * - NL: Algemene termijnenwet art. 3 names 5 May (every year) and Good Friday. Days equated only
 *   by a periodic Royal Decree (e.g. the Friday after Ascension) are not modelled: stricter.
 * - EE: Christmas Eve is already a public holiday (Pühade ja tähtpäevade seadus §2).
 * Why these count although they make a deadline later, against "the earlier date is the safe
 * one": Reg. 1182/71 Art. 2(1) leaves "holidays" to the Member State concerned, and these acts
 * are where each State says which days end a statutory period. A DPO answering on the next
 * working day after Midsummer Eve answers in time under the law an authority or court there
 * applies; showing an earlier date would not be "safer", it would be a different rule than
 * the one the controller is judged by. Only days the acts name are added; anything less
 * certain stays a working day.
 * Other countries use date-holidays' "public" list as is; it has not been checked against their
 * own time-limit acts yet.
 */
const statutoryDaysOff: Partial<Record<SupportedCountry, readonly string[]>> = {
  FI: ["12-24", "friday after 06-19"],
  SE: ["12-24", "12-31", "friday after 06-19"],
  NL: ["05-05", "easter -2"],
};

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on "YYYY-MM-DD" strings (UTC day numbers, so no time zone or DST leaks in)

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

function parseDate(date: string): { y: number; m: number; d: number } {
  const match = typeof date === "string" ? ISO_DATE.exec(date) : null;
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new RangeError(`invalid date "${String(date)}", expected YYYY-MM-DD`);
  }
  return { y, m, d };
}

function formatDate(y: number, m: number, d: number): string {
  if (!Number.isInteger(y) || y < 1 || y > 9999) throw new RangeError(`year ${y} out of range`);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function toDayNumber(date: string): number {
  const { y, m, d } = parseDate(date);
  const utc = new Date(0);
  utc.setUTCFullYear(y, m - 1, d); // unlike Date.UTC, does not map years 0–99 to 1900–1999
  return Math.round(utc.getTime() / DAY_MS);
}

function fromDayNumber(n: number): string {
  const utc = new Date(n * DAY_MS);
  return formatDate(utc.getUTCFullYear(), utc.getUTCMonth() + 1, utc.getUTCDate());
}

function addDays(date: string, days: number): string {
  return fromDayNumber(toDayNumber(date) + days);
}

function isWeekend(date: string): boolean {
  const weekday = new Date(toDayNumber(date) * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function assertInstant(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError("invalid instant");
  }
}

function assertWholeDays(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number >= 0`);
}

function assertCountry(country: string): asserts country is SupportedCountry {
  if (!isSupportedCountry(country)) throw new RangeError(`unsupported country "${String(country)}"`);
}

// ---------------------------------------------------------------------------------------------
// Holidays

const calendars = new Map<SupportedCountry, Holidays>();
const holidayCache = new Map<string, ReadonlySet<string>>();

function calendarFor(country: SupportedCountry): Holidays {
  let calendar = calendars.get(country);
  if (!calendar) {
    calendar = new Holidays(country);
    for (const rule of statutoryDaysOff[country] ?? []) {
      // Replaces the library's rule of the same text (typed "bank"/"school") or adds it.
      calendar.setHoliday(rule, { name: "statutory day off", type: "public" });
    }
    calendars.set(country, calendar);
  }
  return calendar;
}

/** The whole days a holiday covers (Romania's New Year spans two). */
function daysOff(holiday: HolidaysTypes.Holiday): string[] {
  const [day = "", time] = holiday.date.split(" ");
  if (holiday.type !== "public" || time !== "00:00:00") return [];
  // Rounded because a day containing a DST change lasts 23 or 25 hours.
  const length = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY_MS));
  return Array.from({ length }, (_, i) => addDays(day, i));
}

function holidaysOf(country: SupportedCountry, year: number): ReadonlySet<string> {
  const key = `${country}:${year}`;
  let days = holidayCache.get(key);
  if (!days) {
    days = new Set(calendarFor(country).getHolidays(year).flatMap(daysOff));
    holidayCache.set(key, days);
  }
  return days;
}

export function isPublicHoliday(date: string, country: string): boolean {
  assertCountry(country);
  const { y } = parseDate(date);
  // The previous year is checked too, for a multi-day holiday running into January.
  return holidaysOf(country, y).has(date) || (y > 1 && holidaysOf(country, y - 1).has(date));
}

export function isWorkingDay(date: string, country: string): boolean {
  assertCountry(country);
  return !isWeekend(date) && !isPublicHoliday(date, country);
}

export function nextWorkingDayOnOrAfter(date: string, country: string): string {
  assertCountry(country);
  let day = date;
  // No country has anywhere near 30 consecutive days off; the bound only guards against bad data.
  for (let i = 0; i < 30; i++, day = addDays(day, 1)) {
    if (isWorkingDay(day, country)) return day;
  }
  throw new RangeError(`no working day within 30 days of ${date} in ${country}`);
}

// ---------------------------------------------------------------------------------------------
// Time zones and months

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in an IANA time zone (throws RangeError for unknown zones). */
export function localDate(instant: Date, timeZone: string): string {
  assertInstant(instant);
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  return formatDate(part("year"), part("month"), part("day"));
}

/** Same day of month `months` later, or that month's last day (Reg. 1182/71 Art. 3(2)(c)). */
export function addMonthsClamped(date: string, months: number): string {
  if (!Number.isSafeInteger(months)) throw new RangeError("months must be a whole number");
  const { y, m, d } = parseDate(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return formatDate(year, month, Math.min(d, daysInMonth(year, month)));
}

// ---------------------------------------------------------------------------------------------
// Deadlines. A returned due date means "by the end of that local day".
//
// Art. 3(4) of Reg. 1182/71 moves only the *last* day of a period to the next working day, so
// every step below works on the unrolled end (the plain calendar date) and the roll-forward
// comes once, at the very end: one month (clamped) → for an extension, two further months
// (clamped again) → plus the days the clock stood still → the next working day. Rolling in
// between would move the end later than the law does; where readings differ, the earlier date
// is the one that protects the requester (DOMAIN.md "Pauses and extensions").

/** The unrolled end of the first month, or of the extended period, from the local receipt date. */
function unrolledEnd(receivedOn: string, months: number, extended: boolean): string {
  const first = addMonthsClamped(receivedOn, months);
  return extended ? addMonthsClamped(first, 2) : first;
}

function finalDay(receivedAt: Date, country: string, timeZone: string, months: number, extended: boolean, pausedDays: number): string {
  assertCountry(country);
  assertWholeDays(pausedDays, "pausedDays");
  return nextWorkingDayOnOrAfter(addDays(unrolledEnd(localDate(receivedAt, timeZone), months, extended), pausedDays), country);
}

/**
 * The clock starts at receipt through an official channel (EDPB Guidelines 01/2022 §159), counted
 * on the controller's local calendar: the receipt day itself is not counted (Art. 3(1)). Paused
 * days are added to the unrolled end, before the roll-forward.
 */
export function dueDate(receivedAt: Date, country: string, timeZone: string, months = 1, pausedDays = 0): string {
  if (!Number.isSafeInteger(months) || months < 1) throw new RangeError("months must be >= 1");
  return finalDay(receivedAt, country, timeZone, months, false, pausedDays);
}

/**
 * Art. 12(3) "two further months": added to the unrolled end of the first month (31 Jan → 28 Feb
 * → 28 Apr), not three months from receipt (30 Apr); then paused days, then the roll-forward.
 */
export function extendedDueDate(receivedAt: Date, country: string, timeZone: string, pausedDays = 0): string {
  return finalDay(receivedAt, country, timeZone, 1, true, pausedDays);
}

/** The date the queue works to: the extended period if extended, plus every finished pause. */
export function effectiveDueDate(receivedAt: Date, country: string, timeZone: string, r: { extended: boolean; pausedDays: number }): string {
  return r.extended ? extendedDueDate(receivedAt, country, timeZone, r.pausedDays) : dueDate(receivedAt, country, timeZone, 1, r.pausedDays);
}

/** Whole local calendar days from one instant to a later one (0 within the same local day). */
export function pausedDaysBetween(from: Date, to: Date, timeZone: string): number {
  const days = toDayNumber(localDate(to, timeZone)) - toDayNumber(localDate(from, timeZone));
  if (days < 0) throw new RangeError("pause ends before it starts");
  return days;
}

/** Art. 12(3): the requester must be told of an extension within the first month. */
export function canExtend(now: Date, legalDue: string, timeZone: string): boolean {
  return daysLeft(now, legalDue, timeZone) >= 0;
}

/** Overdue from the local midnight that ends the due date. */
export function isOverdue(now: Date, due: string, timeZone: string): boolean {
  return daysLeft(now, due, timeZone) < 0;
}

/** Calendar days from today (local) to the due date; 0 on the due date, negative once overdue. */
export function daysLeft(now: Date, due: string, timeZone: string): number {
  return toDayNumber(due) - toDayNumber(localDate(now, timeZone));
}

/** What currentDueDate reads of a request. */
export interface DueFields {
  receivedAt: Date;
  effectiveDueDate: string;
  extendedDueDate: string | null;
  pausedDays: number;
  pausedSince: Date | null;
}

/**
 * The date a request is due by as of `now`: its effective due date (extension and finished
 * pauses included; never earlier than the extended date), moved on by the whole local days of a
 * pause still running, counted from the unrolled end the way change-status.ts will count them
 * when the pause ends.
 */
export function currentDueDate(r: DueFields, org: { timeZone: string; country: string }, now: Date): string {
  let due = r.extendedDueDate && r.extendedDueDate > r.effectiveDueDate ? r.extendedDueDate : r.effectiveDueDate;
  if (r.pausedSince && r.pausedSince.getTime() <= now.getTime()) {
    const running = pausedDaysBetween(r.pausedSince, now, org.timeZone);
    if (running > 0) {
      const projected = effectiveDueDate(r.receivedAt, org.country, org.timeZone, { extended: r.extendedDueDate !== null, pausedDays: r.pausedDays + running });
      if (projected > due) due = projected;
    }
  }
  return due;
}
