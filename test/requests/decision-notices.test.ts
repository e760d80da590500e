import { expect } from "chai";
import { supportedLocales, formatters } from "../../src/platform/i18n.js";
import { authorityFor } from "../../src/requests/authorities.js";
import { extensionKinds, extensionNoticeText, partialRefusalNoticeText, refusalGrounds, refusalNoticeText } from "../../src/requests/decision-notices.js";

/** The court's word in each language, for each of the four countries (what Art. 79 points to). */
const courtWord: Record<string, Record<string, string>> = {
  FI: { en: "district court", fi: "käräjäoikeus", sv: "tingsrätten", nl: "rechtbank", et: "ringkonnakohus" },
  SE: { en: "tingsrätt", fi: "tingsrätt", sv: "tingsrätt", nl: "tingsrätt", et: "tingsrätt" },
  NL: { en: "rechtbank", fi: "rechtbank", sv: "rechtbank", nl: "rechtbank", et: "rechtbank" },
  EE: { en: "maakohus", fi: "maakohus", sv: "maakohus", nl: "maakohus", et: "maakohus" },
};
/** "Complain" and "court" in each language: the requester is told both rights in words they read. */
const rightsWords: Record<string, [string, string]> = {
  en: ["complain", "court"], fi: ["valituksen", "tuomioistuimeen"], sv: ["klaga", "domstol"], nl: ["klacht", "rechter"], et: ["kaebuse", "kohtusse"],
};

describe("decision notices: every refusal, partial refusal and extension in all five languages", () => {
  for (const country of ["FI", "SE", "NL", "EE"]) {
    const authority = authorityFor(country);
    for (const locale of supportedLocales) {
      const parties = { locale, reference: "RD-AAAA-BBBB", orgName: "Helpline", authorityCountry: country };
      it(`${country} · ${locale}: refusal and partial refusal for every ground name the reasons, the authority and the court`, () => {
        for (const ground of refusalGrounds) {
          for (const text of [refusalNoticeText({ ...parties, ground, reasons: "REASONS-HERE", law: "LAW-HERE" }), partialRefusalNoticeText({ ...parties, ground, reasons: "REASONS-HERE", law: "LAW-HERE" })]) {
            expect(text, ground).to.include("RD-AAAA-BBBB").and.include("REASONS-HERE");
            expect(text, ground).to.include(authority.nameLocal).and.include(authority.complaintUrl).and.include(authority.postalAddress[0]!);
            expect(text, ground).to.include(courtWord[country]![locale]!);
            expect(text, ground).to.include(rightsWords[locale]![0]).and.include(rightsWords[locale]![1]);
            expect(text, ground).to.not.match(/\{\w+\}/);
            if (ground === "national_restriction") expect(text).to.include("LAW-HERE");
          }
        }
      });
      it(`${country} · ${locale}: the extension notice carries its reasons and the new date`, () => {
        for (const kind of extensionKinds) {
          const text = extensionNoticeText({ ...parties, kind, reasons: "OUR-WORDS", dueDate: "2026-04-28", formatDate: formatters(locale, "UTC").localDate });
          expect(text).to.include("OUR-WORDS").and.include(formatters(locale, "UTC").localDate("2026-04-28")).and.include("12");
          expect(text).to.not.match(/\{\w+\}/);
        }
      });
    }
  }
  it("the texts differ by language (no English fallback)", () => {
    const texts = supportedLocales.map((locale) => refusalNoticeText({ locale, reference: "R", orgName: "O", authorityCountry: "FI", ground: "rights_of_others", reasons: "x" }));
    expect(new Set(texts).size).to.equal(supportedLocales.length);
  });
});
