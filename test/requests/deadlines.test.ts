import { expect } from "chai";
import fc from "fast-check";
import {
  addMonthsClamped,
  canExtend,
  daysLeft,
  dueDate,
  extendedDueDate,
  isOverdue,
  isPublicHoliday,
  isWorkingDay,
  localDate,
  nextWorkingDayOnOrAfter,
  pausedDaysBetween,
  pausedDueDate,
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
function due(received: string, country: Country, months = 1): string {
  return dueDate(new Date(`${received}T12:00:00Z`), country, zones[country], months);
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
      expect(pausedDueDate("2025-12-30", 1, "SE")).to.equal("2026-01-02");
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
    it("is three months from receipt, rolled like the first deadline", () => {
      const received = new Date("2025-01-31T10:00:00Z");
      expect(extendedDueDate(received, "NL", "Europe/Amsterdam")).to.equal("2025-04-30");
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

    it("shifts the due date by the paused days and rolls to a working day", () => {
      expect(pausedDueDate("2025-02-28", 0, "NL")).to.equal("2025-02-28");
      expect(pausedDueDate("2025-02-28", 3, "NL")).to.equal("2025-03-03");
      expect(pausedDueDate("2025-02-28", 2, "NL")).to.equal("2025-03-03"); // Sun 2 Mar
      expect(pausedDueDate("2025-12-30", 1, "FI")).to.equal("2025-12-31");
      expect(pausedDueDate("2025-05-15", 14, "FI")).to.equal("2025-05-30"); // 29 May Ascension
      expect(() => pausedDueDate("2025-02-28", -1, "NL")).to.throw(RangeError);
      expect(() => pausedDueDate("2025-02-28", 1.5, "NL")).to.throw(RangeError);
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
  });
});
