import { expect } from "chai";
import { createDetector, detectEntities } from "../../src/redaction/detect-entities.js";
import { resolveOverlaps } from "../../src/redaction/resolve-overlaps.js";
import type { DetectOptions, Entity, EntityKind, RedactionLanguage } from "../../src/redaction/types.js";

const found = (text: string, options: DetectOptions) => detectEntities(text, options).map((e) => `${e.kind}:${e.text}`);
const only = (text: string, language: RedactionLanguage, kind: EntityKind) =>
  detectEntities(text, { language }).filter((e) => e.kind === kind).map((e) => e.text);

describe("redaction: detectEntities", () => {
  describe("each kind in each language", () => {
    const cases: Array<[RedactionLanguage, string, string[]]> = [
      ["fi", "mun kaveri Venla sano et sen isän numero on 040 123 4567, ne asuu Koulukatu 5 B 12, 00100 Helsinki", ["person:Venla", "phone:040 123 4567", "address:Koulukatu 5 B 12, 00100 Helsinki"]],
      ["sv", "min kompis Elsa bor på Storgatan 12B, 114 55 Stockholm och hennes nummer är 070-123 45 67", ["person:Elsa", "address:Storgatan 12B, 114 55 Stockholm", "phone:070-123 45 67"]],
      ["nl", "mijn vriend Daan woont op de Kerkstraat 12a, 1234 AB Utrecht, bel hem op 06-12345678", ["person:Daan", "address:Kerkstraat 12a, 1234 AB Utrecht", "phone:06-12345678"]],
      ["et", "mu sõber Kadri elab Tartu mnt 5-3, 10134 Tallinn, tema number on 5123 4567", ["person:Kadri", "address:Tartu mnt 5-3, 10134 Tallinn", "phone:5123 4567"]],
      ["en", "my brother Jack lives at 12 Baker Street, London NW1 6XE, call 07911 123456", ["person:Jack", "address:12 Baker Street, London NW1 6XE", "phone:07911 123456"]],
    ];
    for (const [language, text, expected] of cases) {
      it(`finds names, addresses and phone numbers in ${language}`, () => {
        expect(found(text, { language })).to.deep.equal(expected);
      });
    }

    it("finds e-mail addresses, also spelled out", () => {
      expect(only("sen maili on emma.v@gmail.com tai emma99 at gmail piste com", "fi", "email")).to.deep.equal(["emma.v@gmail.com", "emma99 at gmail piste com"]);
      expect(only("mail me: liam(at)outlook.com or liam [at] outlook [dot] com", "en", "email")).to.deep.equal(["liam(at)outlook.com", "liam [at] outlook [dot] com"]);
    });

    it("finds links with and without a scheme, without the sentence's full stop", () => {
      expect(only("katso https://www.instagram.com/emmis_k. tai www.jaiku.fi/juttu ja bit.ly/3xYzAb!", "fi", "url")).to.deep.equal([
        "https://www.instagram.com/emmis_k", "www.jaiku.fi/juttu", "bit.ly/3xYzAb",
      ]);
    });

    it("finds handles: @name, u/name, name#1234 and a name after a platform cue", () => {
      expect(only("se on @pekka_99 ja u/throwaway_22 ja discordissa mikko#4821", "fi", "handle")).to.deep.equal(["@pekka_99", "u/throwaway_22", "mikko#4821"]);
      expect(only("mun insta on emmis.k ja sen snäppi on villeboi", "fi", "handle")).to.deep.equal(["emmis.k", "villeboi"]);
      expect(only("min snap är ebbazz", "sv", "handle")).to.deep.equal(["ebbazz"]);
      expect(only("mijn insta is daan_2009", "nl", "handle")).to.deep.equal(["daan_2009"]);
      expect(only("mu insta on kadri.k", "et", "handle")).to.deep.equal(["kadri.k"]);
    });

    it("leaves ordinary words after a platform cue alone", () => {
      expect(only("sen insta on tosi outo. my insta is private. i saw it on insta yesterday.", "en", "handle")).to.deep.equal([]);
    });

    it("finds identity numbers of all four countries in any language's chat", () => {
      expect(only("hetu 131052-308T, pnr 811228-9874, bsn 123456782, isikukood 37605030299", "en", "national_id")).to.deep.equal([
        "131052-308T", "811228-9874", "123456782", "37605030299",
      ]);
    });
  });

  describe("person names", () => {
    const known: DetectOptions = { language: "fi", knownNames: { requester: [], others: [{ name: "Mika Virtanen", role: "participant" }, { name: "Sanna", role: "counsellor" }] } };

    it("finds a known name in its Finnish case forms, first name alone, in lower case too", () => {
      const entities = detectEntities("kerroin mikalle ja Mikan äiti soitti, Mikaga ei voi puhua, Virtaselle kans. Sanna auttoi", known);
      expect(entities.map((e) => [e.text, e.source, e.role])).to.deep.equal([
        ["mikalle", "known", "participant"], ["Mikan", "known", "participant"], ["Mikaga", "known", "participant"], ["Virtaselle", "known", "participant"], ["Sanna", "known", "counsellor"],
      ]);
    });

    it("finds Estonian case forms and the English possessive without its ending", () => {
      expect(only("ma rääkisin Kadrile ja Jaaniga ja Toomasele", "et", "person")).to.deep.equal(["Kadrile", "Jaaniga", "Toomasele"]);
      expect(only("I went to Emma's place with Oliver", "en", "person")).to.deep.equal(["Emma", "Oliver"]);
    });

    it("joins a surname and Dutch particles to the first name", () => {
      expect(only("ik heb het aan Daan van der Berg verteld", "nl", "person")).to.deep.equal(["Daan van der Berg"]);
      expect(only("mun opettaja Pekka Lehtonen ei tee mitään", "fi", "person")).to.deep.equal(["Pekka Lehtonen"]);
    });

    it("finds an unknown capitalized name after a cue in each language", () => {
      expect(only("minun kaveri Aatos sano niin", "fi", "person")).to.deep.equal(["Aatos"]);
      expect(only("min kompis Tindra sa det", "sv", "person")).to.deep.equal(["Tindra"]);
      expect(only("mijn vriend Ravi zei dat", "nl", "person")).to.deep.equal(["Ravi"]);
      expect(only("mu sõber Rando ütles nii", "et", "person")).to.deep.equal(["Rando"]);
      expect(only("my brother Kayden said so", "en", "person")).to.deep.equal(["Kayden"]);
    });

    it("does not take capitalized common words or names that are words for people", () => {
      expect(only("Anna mulle aikaa. Kai se menee ohi. Toivottavasti huomenna on parempi.", "fi", "person")).to.deep.equal([]);
      expect(only("Will you call me? Mark my words. Grace period ended.", "en", "person")).to.deep.equal([]);
      expect(only("Ben ik gek? ik ben bang", "nl", "person")).to.deep.equal([]);
      expect(only("Klara det kan jag inte. Liv och rörelse.", "sv", "person")).to.deep.equal([]);
      expect(only("tema on sama inimene, anna andeks", "et", "person")).to.deep.equal([]);
    });

    it("never suggests the requester's own name, in any form", () => {
      const options: DetectOptions = { language: "fi", knownNames: { requester: ["Ville Heinonen"], others: [] } };
      expect(found("Ville tässä, Villen mielestä tää auttoi. Heinoselle voi soittaa", options)).to.deep.equal([]);
    });

    it("suggests another known person who shares the requester's first name only with their surname", () => {
      const options: DetectOptions = { language: "fi", knownNames: { requester: ["Emma Virtanen"], others: [{ name: "Emma Korhonen", role: "participant" }] } };
      expect(found("Emma tässä. Emma Korhonen kiusaa mua", options)).to.deep.equal(["person:Emma Korhonen"]);
    });

    it("does not treat a particle of a known surname as a name", () => {
      const options: DetectOptions = { language: "nl", knownNames: { requester: [], others: [{ name: "Daan de Vries", role: "participant" }] } };
      expect(found("ik zit in de chat", options)).to.deep.equal([]);
    });
  });

  describe("the requester's own data", () => {
    const options: DetectOptions = {
      language: "sv",
      knownNames: { requester: ["Saga Svensson"], others: [] },
      requesterIdentifiers: { emails: ["Saga.Svensson@live.se"], phones: ["+46701234567"], nationalIds: ["811228-9874"], handles: ["@sagas"] },
    };

    it("is not suggested: e-mail (also spelled out), phone in another format, identity number, handle", () => {
      expect(found("min mejl är saga.svensson@live.se eller saga.svensson at live punkt se, ring 070-123 45 67, pnr 8112289874, insta @sagas", options)).to.deep.equal([]);
    });

    it("while someone else's is", () => {
      expect(found("hans mejl är olle@live.se, ring 070-765 43 21", options)).to.deep.equal(["email:olle@live.se", "phone:070-765 43 21"]);
    });
  });

  describe("hard negatives", () => {
    it("leaves dates, times, prices, year ranges and broken identity numbers alone", () => {
      for (const [language, text] of [
        ["fi", "koe oli 12.3.2024 klo 14.30 ja maksoin 25,90 € vuosina 2019-2023, hetu 131052-308U"],
        ["sv", "provet var 2024-03-12 kl 14.30, 1 500 kronor, 811228-9875"],
        ["nl", "de toets was 12-03-2024 om 14.30, € 25,90, bsn 123456789, ik ben onderweg 5 min"],
        ["et", "kontrolltöö oli 12.03.2024 kell 14.30, 1200 eurot, 37605030298, ma tee 2 tundi"],
        ["en", "the test was on 12/03/2024 at 2.30, £1,200, 2 on the way, 5 min walk"],
      ] as Array<[RedactionLanguage, string]>) {
        expect(found(text, { language }), text).to.deep.equal([]);
      }
    });
  });

  describe("overlaps", () => {
    it("returns non-overlapping suggestions in text order: the e-mail over the name inside it, the address over 'Oliver'", () => {
      const entities = detectEntities("Emma: emma.virtanen@gmail.com, 12 Oliver Road", { language: "en" });
      expect(entities.map((e) => `${e.kind}:${e.text}`)).to.deep.equal(["person:Emma", "email:emma.virtanen@gmail.com", "address:12 Oliver Road"]);
      for (let i = 1; i < entities.length; i++) expect(entities[i]!.start).to.be.at.least(entities[i - 1]!.end);
    });

    it("resolves ties deterministically: longer, then more confident, then by kind, then earlier", () => {
      const e = (kind: EntityKind, start: number, end: number, confidence: number): Entity => ({ kind, start, end, text: "", confidence, source: "pattern" });
      const a = e("person", 0, 4, 0.9);
      const b = e("handle", 2, 10, 0.5);
      const c = e("phone", 12, 20, 0.9);
      const d = e("national_id", 12, 20, 0.86);
      const f = e("url", 22, 26, 0.9);
      const g = e("email", 22, 26, 0.9);
      expect(resolveOverlaps([a, b, c, d, f, g])).to.deep.equal([b, c, g]);
      expect(resolveOverlaps([g, f, d, c, b, a])).to.deep.equal([b, c, g]);
    });

    it("a bare ten-digit string that is both a phone number and a personnummer is a phone number, unless a keyword says otherwise", () => {
      // 0701234569: a valid Swedish mobile and (born 2007-01-23) a Luhn-valid personnummer.
      expect(found("ring 0701234569", { language: "sv" })).to.deep.equal(["phone:0701234569"]);
      expect(found("personnummer 0701234569", { language: "sv" })).to.deep.equal(["national_id:0701234569"]);
    });
  });

  describe("hostile input", () => {
    // No timing here (that is the benchmark's job): a catastrophic backtracking regex would not
    // finish these within mocha's timeout at all.
    const pathological = [
      "a".repeat(100_000),
      "a.".repeat(50_000),
      "1 ".repeat(50_000),
      "-1".repeat(50_000),
      "x@".repeat(50_000),
      "@a".repeat(50_000),
      "Emma ".repeat(20_000),
      "1234567890".repeat(10_000),
      "www." + "a-".repeat(50_000),
      "insta " + " ".repeat(100_000) + "x",
      "Koulu" + "katu".repeat(25_000) + " 5",
      "12 " + "a ".repeat(50_000) + "street",
      "😀".repeat(50_000),
    ];
    for (const text of pathological) {
      it(`finishes on ${JSON.stringify(text.slice(0, 12))}… (${text.length} characters)`, () => {
        const detector = createDetector({ knownNames: { requester: [], others: [{ name: "Emma", role: "participant" }] } });
        for (const language of ["fi", "en"] as const) {
          const entities = detector.detect(text, language);
          for (const e of entities) expect(e.end).to.be.at.most(text.length);
        }
      });
    }
  });
});
