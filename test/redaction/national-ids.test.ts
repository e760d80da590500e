import { expect } from "chai";
import fc from "fast-check";
import { detectEntities } from "../../src/redaction/detect-entities.js";
import {
  bsnSum,
  fiCheckCharacter,
  isikukoodCheckDigit,
  isValidBsn,
  isValidHenkilotunnus,
  isValidIsikukood,
  isValidPersonnummer,
  luhnCheckDigit,
  nationalIdCountry,
} from "../../src/redaction/national-ids.js";
import type { RedactionLanguage } from "../../src/redaction/types.js";

const idsIn = (text: string, language: RedactionLanguage, country?: string) =>
  detectEntities(text, { language })
    .filter((e) => e.kind === "national_id" && (!country || e.country === country))
    .map((e) => e.text);

describe("redaction: national identity numbers", () => {
  it("accepts published valid Finnish henkilötunnus, incl. the 2023 century signs", () => {
    // DVV's examples for the new signs (B–F for the 2000s, U–Y for the 1900s).
    for (const id of ["131052-308T", "010594Y9021", "020594X903P", "030594W903B", "050594U903M", "010516B903X", "020516C903K", "030516D9037", "010501E9032", "020503F9037", "020504A902E"]) {
      expect(isValidHenkilotunnus(id), id).to.equal(true);
    }
  });

  it("refuses a wrong check character, an impossible date and an unused individual number", () => {
    for (const id of ["131052-308U", "310252-308T", "131052-001M", "131052G308T", "131052-308"]) expect(isValidHenkilotunnus(id), id).to.equal(false);
  });

  it("validates Swedish personnummer by Luhn in every written form, and samordningsnummer (day + 60)", () => {
    for (const id of ["811228-9874", "19811228-9874", "8112289874", "811228+9874", "670919-9530", "701063-2391"]) expect(isValidPersonnummer(id), id).to.equal(true);
    for (const id of ["811228-9875", "811328-9874", "811292-9874", "17811228-9874"]) expect(isValidPersonnummer(id), id).to.equal(false);
  });

  it("validates Dutch BSN by the 11-test", () => {
    for (const id of ["111222333", "123456782", "1234.56.782"]) expect(isValidBsn(id), id).to.equal(true);
    for (const id of ["123456789", "000000000", "12345678", "1234567820"]) expect(isValidBsn(id), id).to.equal(false);
  });

  it("validates Estonian isikukood with both stages of the mod-11 check", () => {
    for (const id of ["37605030299", "49403136526", "50001010006"]) expect(isValidIsikukood(id), id).to.equal(true);
    for (const id of ["37605030298", "39001010008", "97605030299", "37613030299"]) expect(isValidIsikukood(id), id).to.equal(false);
  });

  it("reads an ambiguous shape by the message's language first", () => {
    // 811228-9874 is a valid personnummer; as a henkilötunnus its check character would be different.
    expect(nationalIdCountry("811228-9874", "fi")).to.equal("SE");
    expect(nationalIdCountry("131052-308T", "sv")).to.equal("FI");
  });

  // ---- properties: generated valid numbers are found; one changed digit is not ----
  const date = fc.date({ min: new Date("1950-01-01T00:00:00Z"), max: new Date("2019-12-31T00:00:00Z"), noInvalidDate: true });
  const two = (n: number) => String(n).padStart(2, "0");
  const ddmmyy = (d: Date) => two(d.getUTCDate()) + two(d.getUTCMonth() + 1) + two(d.getUTCFullYear() % 100);

  const henkilotunnus = fc.tuple(date, fc.integer({ min: 2, max: 899 })).map(([d, n]) => {
    const body = ddmmyy(d);
    const nnn = String(n).padStart(3, "0");
    const sign = d.getUTCFullYear() >= 2000 ? "A" : "-";
    return body + sign + nnn + fiCheckCharacter(body + nnn);
  });
  const personnummer = fc.tuple(date, fc.integer({ min: 0, max: 999 })).map(([d, n]) => {
    const body = two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) + String(n).padStart(3, "0");
    return `${body.slice(0, 6)}-${body.slice(6)}${luhnCheckDigit(body)}`;
  });
  const bsn = fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 })
    .map((d) => [1 + (d[0]! % 9), ...d.slice(1)].join(""))
    .filter((eight) => bsnSum(eight + "0") % 11 !== 10)
    .map((eight) => eight + String(bsnSum(eight + "0") % 11));
  const isikukood = fc.tuple(date, fc.integer({ min: 0, max: 999 }), fc.boolean()).map(([d, n, female]) => {
    const g = (d.getUTCFullYear() >= 2000 ? 5 : 3) + (female ? 1 : 0);
    const ten = `${g}${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${String(n).padStart(3, "0")}`;
    return ten + isikukoodCheckDigit(ten);
  });

  const cases: Array<[string, fc.Arbitrary<string>, RedactionLanguage, string, string]> = [
    ["henkilötunnus", henkilotunnus, "fi", "FI", "sen hetu on X ok?"],
    ["personnummer", personnummer, "sv", "SE", "hans personnummer är X tror jag"],
    ["BSN", bsn, "nl", "NL", "zijn bsn is X echt"],
    ["isikukood", isikukood, "et", "EE", "tema isikukood on X vist"],
  ];

  for (const [name, arbitrary, language, country, sentence] of cases) {
    it(`finds every generated valid ${name} in a sentence`, () => {
      fc.assert(
        fc.property(arbitrary, (id) => {
          expect(idsIn(sentence.replace("X", id), language)).to.deep.equal([id]);
        }),
        { numRuns: 300 },
      );
    });

    it(`does not report a ${name} with one digit changed`, () => {
      fc.assert(
        fc.property(arbitrary, fc.nat(), fc.integer({ min: 1, max: 9 }), (id, at, delta) => {
          const positions = [...id].map((ch, i) => (/\d/.test(ch) ? i : -1)).filter((i) => i >= 0);
          const i = positions[at % positions.length]!;
          const changed = id.slice(0, i) + ((Number(id[i]) + delta) % 10) + id.slice(i + 1);
          if (name === "isikukood" && i < 10) {
            // The two-stage check lets a change through when the first stage hits 10 and the second
            // stage happens to give the old check digit; every other single change is caught.
            fc.pre(isikukoodCheckDigit(changed.slice(0, 10)) !== Number(changed[10]));
          }
          // (A changed personnummer can happen to be a valid henkilötunnus: that is a different number.)
          expect(idsIn(sentence.replace("X", changed), language, country), changed).to.deep.equal([]);
        }),
        { numRuns: 300 },
      );
    });
  }
});
