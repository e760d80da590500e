import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every string of every capability's catalog in one language, as "capability.key" → text. */
function catalog(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (prefix: string, value: unknown) => {
    if (typeof value === "string") out.set(prefix, value);
    else for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${prefix}.${k}`, v);
  };
  for (const capability of fs.readdirSync(srcDir)) {
    const file = path.join(srcDir, capability, "locales", `${locale}.json`);
    if (fs.existsSync(file)) walk(capability, JSON.parse(fs.readFileSync(file, "utf8")));
  }
  return out;
}

describe("words: one term for one thing", () => {
  it("Finnish names the police transcript 'keskustelutuloste poliisille' everywhere, never a recording (tallenne)", () => {
    const fi = catalog("fi");
    const names = [...fi].filter(([key]) => /(police_pdf|police_transcript|pdf\.police\.title)$/.test(key) || key === "requests.types.police_transcript.label");
    expect(names.length, "the catalog keys that name it").to.be.at.least(4);
    for (const [key, text] of names) expect(text.toLowerCase(), key).to.include("keskustelutuloste poliisille");
    const recordings = [...fi].filter(([, text]) => /tallenne(?!tt|ta|tu)/i.test(text)).map(([key]) => key);
    expect(recordings).to.deep.equal([]);
  });
});

describe("words: Estonian speaks to the requester in one form", () => {
  // The requester is "sina" everywhere (as the helplines' own chats do); "teie" forms are for
  // speaking to the organization (complaint grounds say "Te ütlesite…") and appear nowhere else.
  const requesterSide = (key: string) =>
    /^(requests|identity|exports|platform|mail)\./.test(key) || /^fulfilment\.(requester|notice|mail)\./.test(key) || (/^complaints\./.test(key) && !/^complaints\.grounds\./.test(key) && !/^complaints\.staff\./.test(key));
  it("never uses the formal 'teie' forms on the requester's side", () => {
    const formal = /(^|[^\p{L}])(teie|teile|teid|teil|olete|saate|võite|andke)(?![\p{L}])/iu;
    const found = [...catalog("et")].filter(([key, text]) => requesterSide(key) && formal.test(text)).map(([key, text]) => `${key}: ${text.slice(0, 80)}`);
    expect(found, found.join("\n")).to.deep.equal([]);
  });
});
