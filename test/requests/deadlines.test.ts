import { expect } from "chai";
import fc from "fast-check";
import {
  addMonthsClamped,
  canExtend,
  currentDueDate,
  daysLeft,
  dueDate,
  effectiveDueDate,
  extendedDueDate,
  isOverdue,
  isPublicHoliday,
  isWorkingDay,
  localDate,
  nextWorkingDayOnOrAfter,
  pausedDaysBetween,
  supportedCountries,
} from "../../src/requests/deadlines.js";

// Expected dates below were worked out by hand from a calendar (weekdays checked with
// Date.UTC(...).getUTCDay()) and the national holiday laws, not computed by the code under test.

const zones = {
  FI: "Europe/Helsinki",
  SE: "Europe/Stockholm",
  NL: "Europe/Amsterdam",
  EE: "Europe/Tallinn",
} as const;
type Country = keyof typeof zones;

/** Due date for a request received at noon UTC (same local day in all four zones). */
function due(received: string, country: Country, months = 1, pausedDays = 0): string {
  return dueDate(new Date(`${received}T12:00:00Z`), country, zones[country], months, pausedDays);
}

describe("deadlines", () => {
  describe("one month, clamped to the end of a shorter month", () => {
    it("31 Jan 2028 (leap year) is due Tue 29 Feb", () => {
      expect(addMonthsClamped("2028-01-31", 1)).to.equal("2028-02-29");
      expect(due("2028-01-31", "FI")).to.equal("2028-02-29");
    });

    it("31 Jan 2027 is due 28 Feb, a Sunday, so Mon 1 Mar", () => {
      expect(addMonthsClamped("2027-01-31", 1)).to.equal("2027-02-28");
      expect(due("2027-01-31", "NL")).to.equal("2027-03-01");
    });

    it("31 Aug is due 30 Sep (Tue in 2025; Sat in 2023, so Mon 2 Oct)", () => {
      expect(due("2025-08-31", "SE")).to.equal("2025-09-30");
      expect(due("2023-08-31", "SE")).to.equal("2023-10-02");
    });

    it("clamps across years and for longer periods", () => {
      expect(addMonthsClamped("2025-12-31", 2)).to.equal("2026-02-28");
      expect(addMonthsClamped("2025-11-30", 3)).to.equal("2026-02-28");
      expect(addMonthsClamped("2024-03-31", -1)).to.equal("2024-02-29");
      expect(addMonthsClamped("2025-01-15", 1)).to.equal("2025-02-15");
    });

    it("rolls a Saturday or Sunday to Monday", () => {
      expect(due("2025-03-12", "FI")).to.equal("2025-04-14"); // 12 Apr is a Saturday
      expect(due("2025-03-13", "FI")).to.equal("2025-04-14"); // 13 Apr is a Sunday
      expect(due("2025-03-14", "FI")).to.equal("2025-04-14"); // plain Monday
    });
  });

  describe("Finland", () => {
    it("Good Friday, Easter weekend and Easter Monday roll 18 Apr 2025 to Tue 22 Apr", () => {
      expect(due("2025-03-18", "FI")).to.equal("2025-04-22");
    });

    it("Easter Monday 6 Apr 2026 rolls to Tue 7 Apr", () => {
      expect(isPublicHoliday("2026-04-06", "FI")).to.equal(true);
      expect(due("2026-03-06", "FI")).to.equal("2026-04-07");
    });

    it("Ascension Day Thu 29 May 2025 rolls to Fri 30 May", () => {
      expect(due("2025-04-29", "FI")).to.equal("2025-05-30");
    });

    it("Midsummer Eve (Fri) and Midsummer Day (Sat) roll 20 Jun 2025 to Mon 23 Jun", () => {
      expect(isPublicHoliday("2025-06-20", "FI")).to.equal(true);
      expect(isPublicHoliday("2025-06-21", "FI")).to.equal(true);
      expect(isPublicHoliday("2026-06-19", "FI")).to.equal(true);
      expect(isPublicHoliday("2026-06-20", "FI")).to.equal(true);
      expect(isPublicHoliday("2026-06-24", "FI")).to.equal(false);
      expect(due("2025-05-20", "FI")).to.equal("2025-06-23");
    });

    it("All Saints' Day is the Saturday between 31 Oct and 6 Nov", () => {
      expect(isPublicHoliday("2025-11-01", "FI")).to.equal(true);
      expect(isPublicHoliday("2026-10-31", "FI")).to.equal(true);
      expect(isPublicHoliday("2026-11-01", "FI")).to.equal(false);
      expect(isPublicHoliday("2027-11-06", "FI")).to.equal(true);
    });

    it("Christmas Eve, Christmas, Boxing Day and a weekend chain 24 Dec 2025 to Mon 29 Dec", () => {
      expect(due("2025-11-24", "FI")).to.equal("2025-12-29");
    });

    it("New Year's Eve (only a bank holiday) is a working day", () => {
      expect(isWorkingDay("2025-12-31", "FI")).to.equal(true);
    });

    it("computes Easter for far years (Easter Monday 26 Apr 2038)", () => {
      expect(isPublicHoliday("2038-04-23", "FI")).to.equal(true);
      expect(isPublicHoliday("2038-04-26", "FI")).to.equal(true);
      expect(isPublicHoliday("2038-04-27", "FI")).to.equal(false);
    });
  });

  describe("Sweden", () => {
    it("Good Friday 18 Apr 2025 rolls over Easter to Tue 22 Apr", () => {
      expect(due("2025-03-18", "SE")).to.equal("2025-04-22");
    });

    it("Ascension Day Thu 14 May 2026 rolls to Fri 15 May", () => {
      expect(due("2026-04-14", "SE")).to.equal("2026-05-15");
    });

    it("Midsummer Eve Fri 19 Jun 2026 and Midsummer Day roll to Mon 22 Jun", () => {
      expect(isPublicHoliday("2026-06-19", "SE")).to.equal(true);
      expect(due("2026-05-19", "SE")).to.equal("2026-06-22");
    });

    it("National Day Fri 6 Jun 2025 rolls to Mon 9 Jun (Whit Monday is no holiday since 2005)", () => {
      expect(isPublicHoliday("2025-06-09", "SE")).to.equal(false);
      expect(due("2025-05-06", "SE")).to.equal("2025-06-09");
    });

    it("Christmas Eve and New Year's Eve end no period", () => {
      expect(due("2025-11-24", "SE")).to.equal("2025-12-29");
      expect(isPublicHoliday("2025-12-31", "SE")).to.equal(true);
      // 30 Nov 2025 + 1 month = Tue 30 Dec; 1 paused day = Wed 31 Dec (nyårsafton), Thu 1 Jan
      // (New Year) → Fri 2 Jan 2026.
      expect(due("2025-11-30", "SE", 1, 1)).to.equal("2026-01-02");
    });
  });

  describe("Netherlands", () => {
    it("Good Friday 18 Apr 2025 (Algemene termijnenwet) rolls over Easter to Tue 22 Apr", () => {
      expect(isPublicHoliday("2025-04-18", "NL")).to.equal(true);
      expect(due("2025-03-18", "NL")).to.equal("2025-04-22");
    });

    it("Easter Monday 6 Apr 2026 rolls to Tue 7 Apr", () => {
      expect(due("2026-03-06", "NL")).to.equal("2026-04-07");
    });

    it("King's Day moves to Sat 26 Apr when 27 Apr is a Sunday (2025)", () => {
      expect(isPublicHoliday("2025-04-26", "NL")).to.equal(true);
      expect(isPublicHoliday("2025-04-27", "NL")).to.equal(false);
      expect(due("2025-03-26", "NL")).to.equal("2025-04-28");
    });

    it("King's Day Mon 27 Apr 2026 rolls to Tue 28 Apr", () => {
      expect(due("2026-03-27", "NL")).to.equal("2026-04-28");
    });

    it("Liberation Day Tue 5 May 2026 rolls to Wed 6 May", () => {
      expect(due("2026-04-05", "NL")).to.equal("2026-05-06");
    });

    it("Ascension Day 29 May 2025 rolls to Fri 30 May (decree-equated days not modelled)", () => {
      expect(isPublicHoliday("2025-05-29", "NL")).to.equal(true);
      expect(due("2025-04-29", "NL")).to.equal("2025-05-30");
    });

    it("Whit Monday 9 Jun 2025 rolls to Tue 10 Jun", () => {
      expect(due("2025-05-09", "NL")).to.equal("2025-06-10");
    });

    it("Christmas Eve and New Year's Eve are working days", () => {
      expect(isWorkingDay("2025-12-24", "NL")).to.equal(true);
      expect(isWorkingDay("2025-12-31", "NL")).to.equal(true);
    });
  });

  describe("Estonia", () => {
    it("Victory Day Mon 23 Jun and Midsummer Day Tue 24 Jun 2025 roll to Wed 25 Jun", () => {
      expect(isPublicHoliday("2025-06-23", "EE")).to.equal(true);
      expect(isPublicHoliday("2025-06-24", "EE")).to.equal(true);
      expect(due("2025-05-23", "EE")).to.equal("2025-06-25");
    });

    it("Good Friday 3 Apr 2026 rolls to Mon 6 Apr (Easter Monday is no holiday in EE)", () => {
      expect(isPublicHoliday("2026-04-06", "EE")).to.equal(false);
      expect(due("2026-03-03", "EE")).to.equal("2026-04-06");
    });

    it("Easter Sunday and Pentecost are holidays, Whit Monday is not", () => {
      expect(isPublicHoliday("2025-04-20", "EE")).to.equal(true);
      expect(isPublicHoliday("2025-06-08", "EE")).to.equal(true);
      expect(isPublicHoliday("2025-06-09", "EE")).to.equal(false);
    });

    it("Christmas Eve is a public holiday: 24 Dec 2025 rolls to Mon 29 Dec", () => {
      expect(isPublicHoliday("2025-12-24", "EE")).to.equal(true);
      expect(due("2025-11-24", "EE")).to.equal("2025-12-29");
    });

    it("Independence Day Tue 24 Feb 2026 and Restoration Day Wed 20 Aug 2025 roll one day", () => {
      expect(due("2026-01-24", "EE")).to.equal("2026-02-25");
      expect(due("2025-07-20", "EE")).to.equal("2025-08-21");
    });
  });

  describe("other supported countries", () => {
    it("knows national holidays, incl. Orthodox Easter and multi-day ones", () => {
      expect(isPublicHoliday("2025-10-03", "DE")).to.equal(true); // German Unity Day
      expect(isPublicHoliday("2026-04-10", "GR")).to.equal(true); // Orthodox Good Friday
      expect(isPublicHoliday("2026-04-03", "GR")).to.equal(false); // Western Good Friday
      expect(isPublicHoliday("2025-01-02", "RO")).to.equal(true); // second day of New Year
      expect(isPublicHoliday("2025-06-05", "DK")).to.equal(false); // Constitution Day: no day off by law
    });

    it("supports every EU/EEA country", () => {
      expect([...supportedCountries].sort()).to.deep.equal(
        "AT BE BG CY CZ DE DK EE ES FI FR GR HR IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split(" "),
      );
    });
  });

  describe("nextWorkingDayOnOrAfter", () => {
    it("keeps a working day and skips a chain of holidays and a weekend", () => {
      expect(nextWorkingDayOnOrAfter("2025-04-17", "FI")).to.equal("2025-04-17");
      expect(nextWorkingDayOnOrAfter("2025-12-24", "SE")).to.equal("2025-12-29");
      expect(nextWorkingDayOnOrAfter("2025-12-31", "SE")).to.equal("2026-01-02");
    });
  });

  describe("time zones", () => {
    const instant = new Date("2025-01-31T22:30:00Z");

    it("2025-01-31T22:30Z is 1 Feb in Helsinki: due 1 Mar (Sat), rolled to Mon 3 Mar", () => {
      expect(localDate(instant, "Europe/Helsinki")).to.equal("2025-02-01");
      expect(dueDate(instant, "FI", "Europe/Helsinki")).to.equal("2025-03-03");
    });

    it("the same instant is 31 Jan in Amsterdam: due Fri 28 Feb", () => {
      expect(localDate(instant, "Europe/Amsterdam")).to.equal("2025-01-31");
      expect(dueDate(instant, "NL", "Europe/Amsterdam")).to.equal("2025-02-28");
    });

    it("rejects unknown zones and invalid instants", () => {
      expect(() => localDate(instant, "Europe/Atlantis")).to.throw(RangeError);
      expect(() => localDate(new Date("nope"), "Europe/Helsinki")).to.throw(RangeError);
    });
  });

  describe("isOverdue at the local midnight after the due date", () => {
    const cases = [
      // zone, due, last second of the due date (UTC), local midnight after it (UTC)
      ["Europe/Helsinki", "2025-03-03", "2025-03-03T21:59:59Z", "2025-03-03T22:00:00Z"], // UTC+2
      ["Europe/Helsinki", "2025-06-30", "2025-06-30T20:59:59Z", "2025-06-30T21:00:00Z"], // UTC+3
      ["Europe/Helsinki", "2025-03-30", "2025-03-30T20:59:59Z", "2025-03-30T21:00:00Z"], // DST day
      ["Europe/Stockholm", "2025-03-03", "2025-03-03T22:59:59Z", "2025-03-03T23:00:00Z"], // UTC+1
      ["Europe/Stockholm", "2025-06-30", "2025-06-30T21:59:59Z", "2025-06-30T22:00:00Z"], // UTC+2
    ] as const;

    for (const [zone, dueOn, lastSecond, midnight] of cases) {
      it(`${zone}, due ${dueOn}`, () => {
        expect(isOverdue(new Date(lastSecond), dueOn, zone)).to.equal(false);
        expect(daysLeft(new Date(lastSecond), dueOn, zone)).to.equal(0);
        expect(isOverdue(new Date(midnight), dueOn, zone)).to.equal(true);
        expect(daysLeft(new Date(midnight), dueOn, zone)).to.equal(-1);
      });
    }

    it("counts days left in local calendar days", () => {
      expect(daysLeft(new Date("2025-02-27T10:00:00Z"), "2025-03-03", "Europe/Helsinki")).to.equal(4);
      expect(daysLeft(new Date("2025-03-10T10:00:00Z"), "2025-03-03", "Europe/Helsinki")).to.equal(-7);
    });
  });

  describe("extension", () => {
    it("adds two months to the unrolled end of the first month, then rolls like the first deadline", () => {
      const received = new Date("2025-01-31T10:00:00Z");
      // 31 Jan 2025 → 28 Feb (Fri) → 28 Apr 2025 (Mon); not 31 Jan + 3 months = 30 Apr.
      expect(extendedDueDate(received, "NL", "Europe/Amsterdam")).to.equal("2025-04-28");
      expect(extendedDueDate(new Date("2025-01-27T10:00:00Z"), "NL", "Europe/Amsterdam")).to.equal(
        "2025-04-28",
      ); // 27 Apr 2025 is a Sunday
      expect(extendedDueDate(new Date("2025-03-20T10:00:00Z"), "FI", "Europe/Helsinki")).to.equal(
        "2025-06-23",
      ); // 20 Jun 2025 is Midsummer Eve
    });

    it("is allowed until the end of the first deadline's local day, refused after", () => {
      expect(canExtend(new Date("2025-02-20T10:00:00Z"), "2025-02-28", "Europe/Amsterdam")).to.equal(true);
      expect(canExtend(new Date("2025-02-28T22:59:59Z"), "2025-02-28", "Europe/Amsterdam")).to.equal(true);
      expect(canExtend(new Date("2025-02-28T23:00:00Z"), "2025-02-28", "Europe/Amsterdam")).to.equal(false);
      expect(canExtend(new Date("2025-04-01T10:00:00Z"), "2025-02-28", "Europe/Amsterdam")).to.equal(false);
    });
  });

  describe("paused clock", () => {
    it("counts whole local calendar days", () => {
      const zone = "Europe/Helsinki";
      // 23:30 on 10 Feb to 10:00 on 12 Feb, Helsinki time
      expect(pausedDaysBetween(new Date("2025-02-10T21:30:00Z"), new Date("2025-02-12T08:00:00Z"), zone)).to.equal(2);
      // 00:30 on 11 Feb in Helsinki, still 10 Feb in UTC
      expect(pausedDaysBetween(new Date("2025-02-10T22:30:00Z"), new Date("2025-02-12T08:00:00Z"), zone)).to.equal(1);
      expect(pausedDaysBetween(new Date("2025-02-12T06:00:00Z"), new Date("2025-02-12T21:59:00Z"), zone)).to.equal(0);
      expect(() => pausedDaysBetween(new Date("2025-02-12T08:00:00Z"), new Date("2025-02-10T08:00:00Z"), zone)).to.throw(
        RangeError,
      );
    });

    it("adds the paused days to the unrolled end and rolls to a working day last", () => {
      expect(due("2025-01-28", "NL", 1, 0)).to.equal("2025-02-28"); // Fri
      expect(due("2025-01-28", "NL", 1, 3)).to.equal("2025-03-03"); // Mon
      expect(due("2025-01-28", "NL", 1, 2)).to.equal("2025-03-03"); // Sun 2 Mar → Mon
      expect(due("2025-11-30", "FI", 1, 1)).to.equal("2025-12-31"); // a bank holiday only
      expect(due("2025-04-15", "FI", 1, 14)).to.equal("2025-05-30"); // 15 + 14 = Thu 29 May, Ascension
      expect(() => due("2025-01-28", "NL", 1, -1)).to.throw(RangeError);
      expect(() => due("2025-01-28", "NL", 1, 1.5)).to.throw(RangeError);
      expect(() => extendedDueDate(new Date("2025-01-28T12:00:00Z"), "NL", "Europe/Amsterdam", -1)).to.throw(RangeError);
    });
  });

  /*
   * Worked out by hand from a printed calendar for 2026–2028 and each country's holiday list
   * (Easter Sunday: 5 Apr 2026, 28 Mar 2027, 16 Apr 2028). U is the unrolled end of the period.
   * The roll-forward comes last: U + paused days, then the next working day.
   */
  describe("hand-computed cases (FI, SE, NL, EE)", () => {
    interface HandCase {
      received: string;
      country: Country;
      extended?: boolean;
      paused?: number;
      /** Received at this instant instead of noon UTC. */
      at?: string;
      expected: string;
      why: string;
    }
    const cases: HandCase[] = [
      // Finland
      { country: "FI", received: "2026-01-31", expected: "2026-03-02", why: "U = Sat 28 Feb 2026 (clamped), Sun 1 Mar → Mon 2 Mar" },
      { country: "FI", received: "2026-01-31", paused: 5, expected: "2026-03-05", why: "U = Sat 28 Feb + 5 = Thu 5 Mar (not Mon 2 Mar + 5 = Sat 7 → Mon 9 Mar)" },
      { country: "FI", received: "2026-01-31", extended: true, expected: "2026-04-28", why: "U = 28 Feb, + 2 months = Tue 28 Apr 2026 (not 31 Jan + 3 months = 30 Apr)" },
      { country: "FI", received: "2026-08-31", expected: "2026-09-30", why: "no 31 Sep: U = Wed 30 Sep 2026" },
      { country: "FI", received: "2028-01-31", expected: "2028-02-29", why: "leap year: U = Tue 29 Feb 2028" },
      { country: "FI", received: "2028-03-14", expected: "2028-04-18", why: "U = Good Friday 14 Apr 2028, Sat 15, Easter 16, Easter Monday 17 → Tue 18 Apr" },
      { country: "FI", received: "2028-04-25", expected: "2028-05-26", why: "U = Ascension Thu 25 May 2028 → Fri 26 May" },
      { country: "FI", received: "2026-04-01", expected: "2026-05-04", why: "U = Fri 1 May 2026 (Vappu), Sat, Sun → Mon 4 May" },
      { country: "FI", received: "2027-05-25", expected: "2027-06-28", why: "U = Midsummer Eve Fri 25 Jun 2027 (Act 150/1930), Midsummer Day Sat 26, Sun 27 → Mon 28 Jun" },
      { country: "FI", received: "2027-11-06", expected: "2027-12-07", why: "U = Independence Day Mon 6 Dec 2027 → Tue 7 Dec" },
      { country: "FI", received: "2026-11-24", expected: "2026-12-28", why: "U = Christmas Eve Thu 24 Dec 2026, Christmas Fri 25, Boxing Day Sat 26, Sun 27 → Mon 28 Dec" },
      { country: "FI", received: "2026-11-30", extended: true, paused: 3, expected: "2027-03-03", why: "U = Wed 30 Dec 2026, + 2 months = Sun 28 Feb 2027, + 3 = Wed 3 Mar (not Mon 1 Mar + 3 = Thu 4 Mar)" },
      { country: "FI", received: "2026-02-27", at: "2026-02-27T23:30:00Z", expected: "2026-03-30", why: "23:30 UTC is 01:30 on 28 Feb in Helsinki: U = Sat 28 Mar 2026 → Mon 30 Mar" },
      // Sweden
      { country: "SE", received: "2027-01-31", expected: "2027-03-01", why: "U = Sun 28 Feb 2027 (clamped) → Mon 1 Mar" },
      { country: "SE", received: "2028-02-29", expected: "2028-03-29", why: "received on leap day: U = Wed 29 Mar 2028" },
      { country: "SE", received: "2027-02-26", expected: "2027-03-30", why: "U = Good Friday 26 Mar 2027, Sat, Easter 28, Easter Monday 29 → Tue 30 Mar" },
      { country: "SE", received: "2028-05-23", expected: "2028-06-26", why: "U = midsommarafton Fri 23 Jun 2028 (Lag 1930:173 §2), Midsummer Day Sat 24, Sun 25 → Mon 26 Jun" },
      { country: "SE", received: "2028-05-06", expected: "2028-06-07", why: "U = National Day Tue 6 Jun 2028 → Wed 7 Jun" },
      { country: "SE", received: "2027-11-24", expected: "2027-12-27", why: "U = julafton Fri 24 Dec 2027, Sat 25, Sun 26 → Mon 27 Dec" },
      { country: "SE", received: "2026-12-01", expected: "2027-01-04", why: "U = nyårsafton Thu 31 Dec 2026, New Year Fri 1 Jan, Sat, Sun → Mon 4 Jan 2027" },
      { country: "SE", received: "2026-02-28", paused: 2, expected: "2026-03-30", why: "U = Sat 28 Mar 2026 + 2 = Mon 30 Mar (not Mon 30 Mar + 2 = Wed 1 Apr)" },
      { country: "SE", received: "2027-05-31", extended: true, expected: "2027-08-30", why: "U = Wed 30 Jun 2027 (clamped), + 2 months = Mon 30 Aug (not 31 May + 3 months = Tue 31 Aug)" },
      { country: "SE", received: "2027-01-31", extended: true, paused: 4, expected: "2027-05-03", why: "U = 28 Feb, + 2 months = Wed 28 Apr 2027, + 4 = Sun 2 May → Mon 3 May (not Fri 30 Apr + 4 = Tue 4 May)" },
      // Netherlands
      { country: "NL", received: "2028-08-31", expected: "2028-10-02", why: "U = Sat 30 Sep 2028 (clamped), Sun 1 Oct → Mon 2 Oct" },
      { country: "NL", received: "2028-01-31", expected: "2028-02-29", why: "leap year: U = Tue 29 Feb 2028" },
      { country: "NL", received: "2027-02-26", expected: "2027-03-30", why: "U = Good Friday 26 Mar 2027 (Algemene termijnenwet art. 3), Sat, Easter, Easter Monday 29 → Tue 30 Mar" },
      { country: "NL", received: "2027-03-27", expected: "2027-04-28", why: "U = King's Day Tue 27 Apr 2027 → Wed 28 Apr" },
      { country: "NL", received: "2027-04-05", expected: "2027-05-07", why: "U = Liberation Day Wed 5 May 2027 (every year under the Act), Ascension Thu 6 May → Fri 7 May" },
      { country: "NL", received: "2026-04-01", expected: "2026-05-01", why: "1 May is no holiday in NL: U = Fri 1 May 2026 stands" },
      { country: "NL", received: "2027-11-24", expected: "2027-12-24", why: "Christmas Eve is a working day in NL: U = Fri 24 Dec 2027 stands" },
      { country: "NL", received: "2027-11-25", expected: "2027-12-27", why: "U = Christmas Sat 25 Dec 2027, Sun 26 → Mon 27 Dec (no substitute day)" },
      { country: "NL", received: "2026-01-31", paused: 5, expected: "2026-03-05", why: "U = Sat 28 Feb 2026 + 5 = Thu 5 Mar" },
      { country: "NL", received: "2026-01-31", extended: true, expected: "2026-04-28", why: "U = 28 Feb, + 2 months = Tue 28 Apr 2026 (King's Day was Mon 27 Apr)" },
      { country: "NL", received: "2026-01-31", extended: true, paused: 7, expected: "2026-05-06", why: "Tue 28 Apr 2026 + 7 = Liberation Day Tue 5 May → Wed 6 May (not Thu 30 Apr + 7 = Thu 7 May)" },
      // Estonia
      { country: "EE", received: "2026-08-31", expected: "2026-09-30", why: "no 31 Sep: U = Wed 30 Sep 2026" },
      { country: "EE", received: "2028-01-29", expected: "2028-02-29", why: "leap year: U = Tue 29 Feb 2028" },
      { country: "EE", received: "2027-01-24", expected: "2027-02-25", why: "U = Independence Day Wed 24 Feb 2027 → Thu 25 Feb" },
      { country: "EE", received: "2028-03-14", expected: "2028-04-17", why: "U = Good Friday 14 Apr 2028, Sat, Easter Sunday 16 → Mon 17 Apr (Easter Monday is no holiday in EE)" },
      { country: "EE", received: "2028-04-25", expected: "2028-05-25", why: "Ascension is no holiday in EE: U = Thu 25 May 2028 stands" },
      { country: "EE", received: "2027-05-23", expected: "2027-06-25", why: "U = Victory Day Wed 23 Jun 2027, Midsummer Day Thu 24 → Fri 25 Jun" },
      { country: "EE", received: "2026-11-24", expected: "2026-12-28", why: "U = Christmas Eve Thu 24 Dec 2026 (a public holiday in EE), Fri 25, Sat 26, Sun 27 → Mon 28 Dec" },
      { country: "EE", received: "2027-12-01", expected: "2028-01-03", why: "U = New Year Sat 1 Jan 2028, Sun 2 → Mon 3 Jan" },
      { country: "EE", received: "2026-04-30", paused: 1, expected: "2026-06-01", why: "U = Sat 30 May 2026 + 1 = Sun 31 May → Mon 1 Jun (not Mon 1 Jun + 1 = Tue 2 Jun)" },
      { country: "EE", received: "2027-01-31", extended: true, expected: "2027-04-28", why: "U = 28 Feb, + 2 months = Wed 28 Apr 2027 (not Fri 30 Apr)" },
      { country: "EE", received: "2028-01-31", extended: true, paused: 2, expected: "2028-05-02", why: "U = 29 Feb 2028, + 2 months = Sat 29 Apr, + 2 = Spring Day Mon 1 May → Tue 2 May (not Sun 30 Apr → Tue 2 May + 2 = Thu 4 May)" },
    ];

    for (const c of cases) {
      const what = `${c.extended ? "extended" : "1 month"}${c.paused ? ` + ${c.paused} paused` : ""}`;
      it(`${c.country} ${c.received}, ${what}: ${c.expected} — ${c.why}`, () => {
        const receivedAt = new Date(c.at ?? `${c.received}T12:00:00Z`);
        const got = c.extended
          ? extendedDueDate(receivedAt, c.country, zones[c.country], c.paused ?? 0)
          : dueDate(receivedAt, c.country, zones[c.country], 1, c.paused ?? 0);
        expect(got).to.equal(c.expected);
        expect(effectiveDueDate(receivedAt, c.country, zones[c.country], { extended: c.extended ?? false, pausedDays: c.paused ?? 0 })).to.equal(c.expected);
      });
    }

    it("covers at least six cases per country", () => {
      for (const country of Object.keys(zones)) expect(cases.filter((c) => c.country === country).length, country).to.be.at.least(6);
    });
  });

  describe("currentDueDate", () => {
    const org = { country: "FI", timeZone: "Europe/Helsinki" };
    // Received 31 Jan 2026 in Helsinki: due Mon 2 Mar 2026 (28 Feb is a Saturday).
    const base = {
      receivedAt: new Date("2026-01-31T10:00:00Z"), dueDate: "2026-03-02", effectiveDueDate: "2026-03-02",
      extendedDueDate: null, pausedDays: 0, pausedSince: null,
    };

    it("counts a running pause from the unrolled end, like a finished one", () => {
      // Paused since 10 Feb; on 15 Feb five local days have passed: 28 Feb + 5 = Thu 5 Mar.
      const paused = { ...base, pausedSince: new Date("2026-02-10T08:00:00Z") };
      expect(currentDueDate(paused, org, new Date("2026-02-15T08:00:00Z"))).to.equal("2026-03-05");
      // Still the same day: nothing moves yet.
      expect(currentDueDate(paused, org, new Date("2026-02-10T20:00:00Z"))).to.equal("2026-03-02");
      // One paused day: 28 Feb + 1 = Sun 1 Mar → Mon 2 Mar, no later than without the pause.
      expect(currentDueDate(paused, org, new Date("2026-02-11T08:00:00Z"))).to.equal("2026-03-02");
    });

    it("adds a running pause to finished ones and to an extension", () => {
      // Extended: 28 Apr 2026; 2 days paused before, 5 running: 28 Apr + 7 = Tue 5 May.
      const r = { ...base, extendedDueDate: "2026-04-28", effectiveDueDate: "2026-04-30", pausedDays: 2, pausedSince: new Date("2026-02-10T08:00:00Z") };
      expect(currentDueDate(r, org, new Date("2026-02-15T08:00:00Z"))).to.equal("2026-05-05");
      expect(currentDueDate({ ...r, pausedSince: null }, org, new Date("2026-02-15T08:00:00Z"))).to.equal("2026-04-30");
    });
  });

  describe("input validation", () => {
    it("throws RangeError for unsupported countries", () => {
      expect(() => isPublicHoliday("2025-01-01", "US")).to.throw(RangeError);
      expect(() => isWorkingDay("2025-01-01", "fi")).to.throw(RangeError);
      expect(() => dueDate(new Date(), "XX", "Europe/Helsinki")).to.throw(RangeError);
    });

    it("throws RangeError for malformed dates", () => {
      for (const bad of ["2025-02-29", "2025-13-01", "2025-1-01", "2025-01-01T00:00", "", "0000-01-01"]) {
        expect(() => isPublicHoliday(bad, "FI"), bad).to.throw(RangeError);
      }
      expect(() => addMonthsClamped("2025-04-31", 1)).to.throw(RangeError);
      expect(() => daysLeft(new Date(), "31.12.2025", "Europe/Helsinki")).to.throw(RangeError);
      expect(() => addMonthsClamped("2025-01-31", 0.5)).to.throw(RangeError);
    });
  });

  describe("properties", function () {
    // A cold holiday cache costs about a millisecond per country and year.
    this.timeout(30_000);
    const instant = fc.date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("2100-12-31T23:59:59Z"),
      noInvalidDate: true,
    });
    const country = fc.constantFrom(...supportedCountries);
    const zone = fc.constantFrom("Europe/Helsinki", "Europe/Stockholm", "Europe/Amsterdam", "Europe/Tallinn", "UTC");

    it("the due date is the first working day on or after the clamped one-month date", () => {
      fc.assert(
        fc.property(instant, country, zone, (receivedAt, c, z) => {
          const clamped = addMonthsClamped(localDate(receivedAt, z), 1);
          const dueOn = dueDate(receivedAt, c, z);
          const gap = Math.round((Date.parse(dueOn) - Date.parse(clamped)) / 86_400_000);
          expect(isWorkingDay(dueOn, c)).to.equal(true);
          expect(gap).to.be.at.least(0).and.below(10);
          for (let i = 0; i < gap; i++) {
            const skipped = new Date(Date.parse(clamped) + i * 86_400_000).toISOString().slice(0, 10);
            expect(isWorkingDay(skipped, c), skipped).to.equal(false);
          }
        }),
        { numRuns: 500 },
      );
    });

    it("the extended due date is never before the first one", () => {
      fc.assert(
        fc.property(instant, country, zone, (receivedAt, c, z) => {
          expect(extendedDueDate(receivedAt, c, z) > dueDate(receivedAt, c, z)).to.equal(true);
        }),
      );
    });

    const paused = fc.integer({ min: 0, max: 120 });

    it("a paused due date is the first working day on or after the unrolled end plus the paused days", () => {
      fc.assert(
        fc.property(instant, country, zone, paused, (receivedAt, c, z, p) => {
          const shifted = new Date(Date.parse(addMonthsClamped(localDate(receivedAt, z), 1)) + p * 86_400_000).toISOString().slice(0, 10);
          const dueOn = dueDate(receivedAt, c, z, 1, p);
          expect(dueOn >= shifted).to.equal(true);
          expect(dueOn).to.equal(nextWorkingDayOnOrAfter(shifted, c));
        }),
        { numRuns: 300 },
      );
    });

    it("where the readings differ the earlier date wins: never later than rolling twice or counting 3 months", () => {
      fc.assert(
        fc.property(instant, country, zone, paused, (receivedAt, c, z, p) => {
          const rolledFirst = dueDate(receivedAt, c, z);
          const twice = nextWorkingDayOnOrAfter(new Date(Date.parse(rolledFirst) + p * 86_400_000).toISOString().slice(0, 10), c);
          expect(dueDate(receivedAt, c, z, 1, p) <= twice).to.equal(true);
          expect(extendedDueDate(receivedAt, c, z) <= dueDate(receivedAt, c, z, 3)).to.equal(true);
          expect(extendedDueDate(receivedAt, c, z, p) >= dueDate(receivedAt, c, z, 1, p)).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });

    it("more paused days never make a request due earlier", () => {
      fc.assert(
        fc.property(instant, country, zone, paused, fc.boolean(), (receivedAt, c, z, p, extended) => {
          const a = effectiveDueDate(receivedAt, c, z, { extended, pausedDays: p });
          const b = effectiveDueDate(receivedAt, c, z, { extended, pausedDays: p + 1 });
          expect(b >= a).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });
  });
});
