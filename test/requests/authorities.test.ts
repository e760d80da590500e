import { readFileSync } from "node:fs";
import { expect } from "chai";
import { placeholders } from "../support/messages.js";
import { authorities, authorityFor, leadAuthority } from "../../src/requests/authorities.js";

const EU_EEA = [
  "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
  "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
];

describe("supervisory authorities directory", () => {
  describe("entries given in DOMAIN.md", () => {
    it("FI: Office of the Data Protection Ombudsman", () => {
      const a = authorityFor("FI");
      expect(a.nameLocal).to.equal("Tietosuojavaltuutetun toimisto");
      expect(a.nameEnglish).to.equal("Office of the Data Protection Ombudsman");
      expect(a.complaintUrl).to.equal("https://tietosuoja.fi/notification-to-the-data-protection-ombudsman");
      expect(a.postalAddress).to.deep.equal(["PL 800", "00531 Helsinki"]);
    });

    it("SE: IMY", () => {
      const a = authorityFor("SE");
      expect(a.nameLocal).to.equal("Integritetsskyddsmyndigheten (IMY)");
      expect(a.nameEnglish).to.equal("Swedish Authority for Privacy Protection");
      expect(a.complaintUrl).to.equal("https://www.imy.se/privatperson/utfora-arenden/lamna-ett-klagomal/");
      expect(a.postalAddress).to.deep.equal(["Box 8114", "104 20 Stockholm"]);
    });

    it("NL: Autoriteit Persoonsgegevens", () => {
      const a = authorityFor("NL");
      expect(a.nameLocal).to.equal("Autoriteit Persoonsgegevens (AP)");
      expect(a.nameEnglish).to.equal("Dutch Data Protection Authority");
      expect(a.complaintUrl).to.equal(
        "https://autoriteitpersoonsgegevens.nl/en/submitting-a-tip-off-or-a-complaint-to-the-dutch-dpa",
      );
      expect(a.postalAddress).to.deep.equal(["Postbus 93374", "2509 AJ Den Haag"]);
    });

    it("EE: Andmekaitse Inspektsioon (contact page, no dedicated form)", () => {
      const a = authorityFor("EE");
      expect(a.nameLocal).to.equal("Andmekaitse Inspektsioon (AKI)");
      expect(a.nameEnglish).to.equal("Estonian Data Protection Inspectorate");
      expect(a.complaintUrl).to.equal("https://www.aki.ee/vota-uhendust");
      expect(a.postalAddress).to.deep.equal(["Tatari 39", "10134 Tallinn"]);
    });
  });

  describe("whole directory", () => {
    it("covers all 27 EU and 3 EEA states", () => {
      const countries = authorities.map((a) => a.country).sort();
      expect(countries).to.deep.equal([...EU_EEA].sort());
    });

    it("has one entry per country, each an upper-case ISO code", () => {
      const countries = authorities.map((a) => a.country);
      expect(new Set(countries).size).to.equal(countries.length);
      for (const c of countries) expect(c).to.match(/^[A-Z]{2}$/);
    });

    it("uses only https URLs for websites and complaint pages", () => {
      for (const a of authorities) {
        for (const url of [a.website, a.complaintUrl]) {
          expect(new URL(url).protocol, `${a.country} ${url}`).to.equal("https:");
        }
      }
    });

    it("has names for every entry and no blank postal lines", () => {
      for (const a of authorities) {
        expect(a.nameLocal.trim(), a.country).to.not.equal("");
        expect(a.nameEnglish.trim(), a.country).to.not.equal("");
        for (const line of a.postalAddress) expect(line.trim(), a.country).to.not.equal("");
      }
    });

    it("has a postal address for every entry, ending with a line that has a postal code or a city", () => {
      for (const a of authorities) {
        expect(a.postalAddress.length, a.country).to.be.greaterThan(0);
        expect(a.postalAddress.at(-1), a.country).to.match(/\d|[A-ZÄÖÜ][a-zäöüșş]+$/);
      }
    });

    it("cannot be modified by callers", () => {
      const fi = authorityFor("FI");
      expect(() => {
        (fi as { nameLocal: string }).nameLocal = "x";
      }).to.throw(TypeError);
      expect(() => fi.postalAddress.push("x")).to.throw(TypeError);
    });
  });

  describe("authorityFor", () => {
    it("accepts lower-case and padded codes", () => {
      expect(authorityFor(" fi ").country).to.equal("FI");
      expect(authorityFor("nl").nameLocal).to.equal("Autoriteit Persoonsgegevens (AP)");
    });

    it("throws RangeError for an unknown country", () => {
      expect(() => authorityFor("US")).to.throw(RangeError);
      expect(() => authorityFor("")).to.throw(RangeError);
      expect(() => authorityFor("GB")).to.throw(RangeError, /GB/);
    });
  });

  describe("leadAuthority", () => {
    it("returns the organization's authority, or null when its country is not in the directory", () => {
      expect(leadAuthority("ee")!.nameLocal).to.equal("Andmekaitse Inspektsioon (AKI)");
      expect(leadAuthority("US")).to.equal(null);
      expect(leadAuthority(null)).to.equal(null);
    });
  });

  it("gives every local name a valid language tag: an ISO 639-1 language, not the country code", () => {
    // What Chromium's Intl knows as a language, with a region only where it is the entry's own country.
    const languages = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });
    for (const a of authorities) {
      const parts = a.nameLang.length > 1 ? a.nameLocal.split(" / ") : [a.nameLocal];
      expect(a.nameLang, a.country).to.have.length(parts.length);
      for (const tag of a.nameLang) {
        expect(tag, a.country).to.match(/^[a-z]{2}(-[A-Z]{2})?$/);
        const [language, region] = tag.split("-");
        expect(languages.of(language!), `${a.country}: ${tag}`).to.be.a("string").and.not.equal(language);
        if (region) expect(region, a.country).to.equal(a.country);
      }
      expect(a.nameParts.map((p) => p.text).join(" / "), a.country).to.equal(a.nameLocal);
    }
    // The mistakes a country code makes: cz is no language, at and gr are not German and Greek.
    expect(authorityFor("CZ").nameLang).to.deep.equal(["cs"]);
    expect(authorityFor("AT").nameLang).to.deep.equal(["de-AT"]);
    expect(authorityFor("GR").nameLang).to.deep.equal(["el"]);
    expect(authorityFor("BE").nameLang).to.deep.equal(["fr-BE", "nl-BE"]);
  });

  describe("complaints locale files", () => {
    const langs = ["en", "fi", "sv", "nl", "et"];
    const load = (lang: string): Record<string, string> =>
      flatten(JSON.parse(readFileSync(new URL(`../../src/complaints/locales/${lang}.json`, import.meta.url), "utf8")));

    it("have the same keys and placeholders in every language", () => {
      const en = load("en");
      for (const lang of langs) {
        const other = load(lang);
        expect(Object.keys(other).sort(), lang).to.deep.equal(Object.keys(en).sort());
        for (const key of Object.keys(en)) {
          expect(placeholders(other[key] ?? ""), `${lang} ${key}`).to.deep.equal(placeholders(en[key] ?? ""));
          expect((other[key] ?? "").trim(), `${lang} ${key}`).to.not.equal("");
        }
      }
    });
  });
});

function flatten(obj: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out[key] = v;
    else Object.assign(out, flatten(v, key));
  }
  return out;
}
