import { expect } from "chai";
import { loadCorpus } from "../fixtures/redaction/corpus-types.js";
import { generateCorpus } from "../fixtures/redaction/generate-corpus.js";
import { entityKinds, redactionLanguages } from "../../src/redaction/types.js";

describe("redaction: the labelled corpus", () => {
  const corpus = loadCorpus();
  const messages = corpus.flatMap((c) => c.messages.map((m) => ({ ...m, language: c.language })));
  const labels = messages.flatMap((m) => m.entities.map((e) => ({ ...e, text: m.text.slice(e.start, e.end), language: m.language })));

  it("has every language and at least 200 messages", () => {
    expect(new Set(corpus.map((c) => c.language))).to.deep.equal(new Set(redactionLanguages));
    expect(messages.length).to.be.at.least(200);
  });

  it("has at least 300 labelled entities of every kind", () => {
    for (const kind of entityKinds) expect(labels.filter((l) => l.kind === kind).length, kind).to.be.at.least(300);
  });

  it("labels only known kinds, in range, non-overlapping, not starting or ending in white space", () => {
    for (const m of messages) {
      const sorted = [...m.entities].sort((a, b) => a.start - b.start);
      sorted.forEach((e, i) => {
        expect(entityKinds, m.text).to.include(e.kind);
        expect(e.start, m.text).to.be.within(0, m.text.length - 1);
        expect(e.end, m.text).to.be.within(e.start + 1, m.text.length);
        expect(m.text.slice(e.start, e.end), m.text).to.match(/^\S(?:.*\S)?$/su);
        if (i > 0) expect(e.start, m.text).to.be.at.least(sorted[i - 1]!.end);
      });
    }
  });

  it("has hard negatives: messages with no labels, broken identity numbers, the requester's own data", () => {
    expect(messages.filter((m) => m.entities.length === 0).length).to.be.at.least(100);
    const own = corpus.filter((c) => c.messages.some((m) => c.requester.emails.some((e) => m.text.includes(e)) || c.requester.phones.some((p) => m.text.includes(p))));
    expect(own.length).to.be.at.least(20);
    // None of the requester's own data is labelled as someone else's.
    for (const c of corpus) {
      for (const m of c.messages) {
        for (const e of m.entities) {
          const text = m.text.slice(e.start, e.end);
          expect([...c.requester.emails, ...c.requester.phones, ...c.requester.nationalIds], text).to.not.include(text);
        }
      }
    }
  });

  it("is what the generator writes (the committed files are up to date)", () => {
    const generated = generateCorpus();
    expect(generated.map((c) => JSON.stringify(c))).to.deep.equal(corpus.map((c) => JSON.stringify(c)));
  });
});
