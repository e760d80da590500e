import { expect } from "chai";
import { applyRedactions } from "../../src/redaction/apply-redactions.js";
import { detectEntities } from "../../src/redaction/detect-entities.js";

const isWellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe("redaction: applyRedactions", () => {
  it("replaces each span with the marker, keeping the text between", () => {
    const text = "soita Mikalle 040 123 4567 heti";
    expect(applyRedactions(text, [{ start: 6, end: 13 }, { start: 14, end: 26 }], "[withheld: rights of others]")).to.equal(
      "soita [withheld: rights of others] [withheld: rights of others] heti",
    );
  });

  it("asks a marker function per span, e.g. a role for a research excerpt", () => {
    const text = "Hei, täällä Sanna. Venlan numero on 040 123 4567";
    const entities = detectEntities(text, { language: "fi", knownNames: { requester: [], others: [{ name: "Sanna", role: "counsellor" }] } });
    expect(applyRedactions(text, entities, (e) => (e.role ? `[${e.role}]` : `[${e.kind}]`))).to.equal("Hei, täällä [counsellor]. [person] numero on [phone]");
  });

  it("merges overlapping and touching spans into one marker, whatever their order", () => {
    const spans = [{ start: 8, end: 12, reason: "b" }, { start: 0, end: 5, reason: "a" }, { start: 3, end: 8, reason: "c" }];
    expect(applyRedactions("abcdefghijklmnop", spans, (s) => `[${s.reason}]`)).to.equal("[a]mnop");
  });

  it("never cuts an emoji or another surrogate pair in half", () => {
    const text = "moi 😭 Emma 🏳️‍🌈 𝒳y";
    // A span starting inside "😭" (between its two halves) and one ending inside "𝒳".
    const inEmoji = text.indexOf("😭") + 1;
    const inMath = text.indexOf("𝒳") + 1;
    const out = applyRedactions(text, [{ start: inEmoji, end: inEmoji + 2 }, { start: inMath - 1, end: inMath }], "[x]");
    expect(isWellFormed(out)).to.equal(true);
    expect(out).to.equal("moi [x]Emma 🏳️‍🌈 [x]y");
  });

  it("refuses spans outside the text, empty or reversed spans, and non-integers", () => {
    for (const span of [{ start: -1, end: 2 }, { start: 0, end: 99 }, { start: 3, end: 3 }, { start: 4, end: 2 }, { start: 0.5, end: 2 }]) {
      expect(() => applyRedactions("abcdef", [span], "[x]"), JSON.stringify(span)).to.throw(RangeError);
    }
  });

  it("leaves a text without spans as it is", () => {
    expect(applyRedactions("ei mitään 😊", [], "[x]")).to.equal("ei mitään 😊");
  });
});
