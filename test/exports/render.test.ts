import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { expect } from "chai";
import { PDFParse } from "pdf-parse";
import { escapeHtml } from "../../src/platform/text.js";
import { FORBIDDEN, HOSTILE } from "../support/hostile-text.js";
import {
  renderTranscriptHtml,
  type TranscriptContext,
  type TranscriptConversation,
  type TranscriptMessage,
} from "../../src/exports/render/transcript-html.js";
import {
  writePoliceTranscriptPdf,
  type PoliceTranscriptInput,
} from "../../src/exports/render/transcript-pdf.js";

// ------------------------------------------------------------------ test helpers

const LANGS = ["en", "fi", "sv", "nl", "et"] as const;
type Lang = (typeof LANGS)[number];

function flatten(obj: unknown, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = `${prefix}.${k}`;
    if (typeof v === "string") out[key] = v;
    else Object.assign(out, flatten(v, key));
  }
  return out;
}

function loadLocale(folder: "exports" | "complaints", lang: string): Record<string, string> {
  const url = new URL(`../../src/${folder}/locales/${lang}.json`, import.meta.url);
  return flatten(JSON.parse(readFileSync(url, "utf8")), folder);
}

/** Same contract as the app loader: folder-prefixed keys, {name} placeholders, key when missing. */
function makeT(lang: Lang): { t: TranscriptContext["t"]; missing: Set<string> } {
  const table = { ...loadLocale("exports", lang), ...loadLocale("complaints", lang) };
  const missing = new Set<string>();
  const t = (key: string, vars?: Record<string, string | number>): string => {
    const text = table[key];
    if (text === undefined) {
      missing.add(key);
      return key;
    }
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (vars && name in vars ? String(vars[name]) : whole));
  };
  return { t, missing };
}

const LOCALE: Record<Lang, string> = { en: "en-GB", fi: "fi-FI", sv: "sv-SE", nl: "nl-NL", et: "et-EE" };
const XSS = "<script>alert(1)</script>";
const ATTR_XSS = `"><img src=x onerror=alert(1)>`;
const LATIN = "õ ä ö å ü ij š ž Ĳ";
const SHA = "3f0a9c1e7b2d4a6f8e0c2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a";

function message(i: number, overrides: Partial<TranscriptMessage> = {}): TranscriptMessage {
  const roles: TranscriptMessage["senderRole"][] = ["subject", "worker", "system", "other"];
  const role = roles[i % roles.length] ?? "subject";
  const labels = { subject: "You", worker: "Chat worker", system: "System", other: "Participant A" };
  return {
    sentAt: new Date(Date.UTC(2024, 2, 10, 22, 30, i)),
    senderRole: role,
    senderLabel: labels[role],
    body: `Message ${i}: ${LATIN}`,
    ...overrides,
  };
}

function conversation(overrides: Partial<TranscriptConversation> = {}): TranscriptConversation {
  return {
    id: "conv-7f3a",
    topic: "School bullying",
    startedAt: new Date(Date.UTC(2024, 2, 10, 22, 0, 0)),
    endedAt: new Date(Date.UTC(2024, 2, 10, 23, 15, 0)),
    messages: [message(0), message(1), message(2)],
    statements: [{ createdAt: new Date(Date.UTC(2024, 3, 2, 9, 0, 0)), body: "I want to add: it happened twice." }],
    ...overrides,
  };
}

function htmlContext(lang: Lang, overrides: Partial<TranscriptContext> = {}) {
  const { t, missing } = makeT(lang);
  const ctx: TranscriptContext = {
    orgName: "Helpline Org",
    reference: "RD-2024-0042",
    timeZone: "Europe/Helsinki",
    locale: LOCALE[lang],
    t,
    ...overrides,
  };
  return { ctx, missing };
}

class Collector extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function policeInput(lang: Lang, conversations: TranscriptConversation[]): { input: PoliceTranscriptInput; missing: Set<string> } {
  const { t, missing } = makeT(lang);
  return {
    missing,
    input: {
      orgName: "Tukipiste ry – Hjälp & Stöd",
      reference: "RD-2024-0042",
      issuedAt: new Date(Date.UTC(2024, 4, 6, 10, 15, 0)),
      timeZone: "Europe/Tallinn",
      locale: LOCALE[lang],
      verificationCode: "K7Q2-M9XD",
      contentSha256: SHA,
      verifyUrl: "https://rightsdesk.example/verify",
      conversations,
      t,
    },
  };
}

async function renderPolice(input: PoliceTranscriptInput): Promise<Buffer> {
  const out = new Collector();
  await writePoliceTranscriptPdf(input, out);
  return out.buffer;
}

async function pdfText(buffer: Buffer): Promise<{ pages: string[]; text: string }> {
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  try {
    const result = await parser.getText();
    return { pages: result.pages.map((p) => p.text), text: result.text };
  } finally {
    await parser.destroy();
  }
}

/** pdf text extraction may break lines anywhere; compare with whitespace removed. */
function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

// ------------------------------------------------------------------------ HTML

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).to.equal(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("renderTranscriptHtml", () => {
  it("escapes hostile text in body, topic, label, statement, org name and reference", () => {
    const conv = conversation({
      id: `c-${XSS}`,
      topic: XSS,
      messages: [
        message(0, { body: XSS, senderLabel: XSS }),
        message(1, { body: ATTR_XSS }),
      ],
      statements: [{ createdAt: new Date(Date.UTC(2024, 3, 2)), body: XSS }],
    });
    const { ctx } = htmlContext("en", { orgName: XSS, reference: ATTR_XSS });
    const html = renderTranscriptHtml(conv, ctx);
    expect(html.toLowerCase()).to.not.include("<script");
    expect(html.toLowerCase()).to.not.include("<img");
    expect(html).to.include("&lt;script&gt;alert(1)&lt;/script&gt;");
    // body, topic, label, statement, org name and conversation id: six escaped copies
    expect(html.split("&lt;script&gt;alert(1)&lt;/script&gt;").length - 1).to.be.at.least(6);
  });

  it("marks control and bidi override characters in body, topic, label, statement, org name and reference", () => {
    const conv = conversation({
      topic: `topic ${HOSTILE}`,
      messages: [message(0, { body: `body ${HOSTILE}`, senderLabel: `label ${HOSTILE}` })],
      statements: [{ createdAt: new Date(Date.UTC(2024, 3, 2)), body: `statement ${HOSTILE}` }],
    });
    const { ctx } = htmlContext("en", { orgName: `org ${HOSTILE}`, reference: `ref ${HOSTILE}` });
    const html = renderTranscriptHtml(conv, ctx);
    expect(html).not.to.match(FORBIDDEN);
    for (const where of ["topic", "body", "label", "statement", "org", "ref"]) expect(html, where).to.include(`${where} pay\uFFFDme`);
  });

  it("escapes hostile text placed into translations through vars", () => {
    const { ctx } = htmlContext("en");
    const t: TranscriptContext["t"] = (key) => (key === "exports.transcript.title" ? XSS : ctx.t(key));
    const html = renderTranscriptHtml(conversation(), { ...ctx, t });
    expect(html.toLowerCase()).to.not.include("<script");
  });

  it("references no external resources and has a locking CSP", () => {
    const html = renderTranscriptHtml(conversation(), htmlContext("en").ctx);
    expect(html).to.not.match(/\b(src|href|action|srcset)\s*=/i);
    expect(html).to.not.match(/https?:\/\//i);
    expect(html).to.not.match(/<(script|link|iframe|object|embed|img|base)\b/i);
    expect(html).to.not.match(/@import|url\(/i);
    expect(html).to.include(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(html).to.match(/^<!DOCTYPE html>/);
  });

  it("formats times in the requester's time zone, not UTC", () => {
    // 22:30 UTC on 10 March is 00:30 on 11 March in Helsinki.
    const html = renderTranscriptHtml(conversation({ statements: [] }), htmlContext("en").ctx);
    expect(html).to.include("11 March 2024");
    expect(html).to.not.include("10 March 2024");
    expect(html).to.include("00:30:00");
    expect(html).to.include('datetime="2024-03-10T22:30:00.000Z"');
  });

  it("shows requester statements after the messages, under their own heading", () => {
    const { ctx } = htmlContext("en");
    const html = renderTranscriptHtml(conversation(), ctx);
    const lastMessage = html.lastIndexOf("Message 2:");
    const heading = html.indexOf(`<h2>${ctx.t("exports.transcript.statements")}</h2>`);
    const statement = html.indexOf("I want to add: it happened twice.");
    expect(lastMessage).to.be.greaterThan(0);
    expect(heading).to.be.greaterThan(lastMessage);
    expect(statement).to.be.greaterThan(heading);
  });

  it("uses translations for every user-facing word, in all five languages", () => {
    for (const lang of LANGS) {
      const { ctx, missing } = htmlContext(lang);
      const html = renderTranscriptHtml(conversation(), ctx);
      expect([...missing], lang).to.deep.equal([]);
      expect(html, lang).to.include(escapeHtml(ctx.t("exports.transcript.title")));
      expect(html, lang).to.include(escapeHtml(ctx.t("exports.transcript.role.worker")));
      expect(html, lang).to.include(`lang="${LOCALE[lang]}"`);
      expect(html, lang).to.include(LATIN);
      // Headed by date and topic, never the id; a gentle word before the chat itself.
      expect(html, lang).to.include("School bullying").and.not.include("conv-7f3a");
      const gentle = html.indexOf(escapeHtml(ctx.t("exports.transcript.gentle", { org: ctx.orgName })));
      expect(gentle, lang).to.be.greaterThan(0);
      expect(gentle, lang).to.be.lessThan(html.indexOf(`<h2>${ctx.t("exports.transcript.messages")}</h2>`));
    }
  });

  it("handles an empty, ongoing conversation and an unexpected role value", () => {
    const { ctx, missing } = htmlContext("fi");
    const empty = renderTranscriptHtml(
      conversation({ topic: null, endedAt: null, messages: [], statements: [] }),
      ctx,
    );
    expect(empty).to.include(ctx.t("exports.transcript.noMessages"));
    expect(empty).to.include(ctx.t("exports.transcript.ongoing"));
    expect(empty).to.include(ctx.t("exports.transcript.noTopic"));
    expect(empty).to.not.include(ctx.t("exports.transcript.statements"));
    const odd = renderTranscriptHtml(
      conversation({ messages: [message(0, { senderRole: "admin" as TranscriptMessage["senderRole"] })] }),
      ctx,
    );
    expect(odd).to.include('class="msg role-other"');
    expect([...missing]).to.deep.equal([]);
  });

  it("does not repeat the role when the label already is the role", () => {
    const { ctx } = htmlContext("en");
    const html = renderTranscriptHtml(conversation({ messages: [message(1), message(3)] }), ctx);
    expect(html).to.not.include("(Chat worker)");
    expect(html).to.include("Participant A</span> <span class=\"role\">(Other participant)</span>");
  });
});

// ------------------------------------------------------------------------- PDF

describe("writePoliceTranscriptPdf", function () {
  this.timeout(60_000);

  for (const lang of LANGS) {
    it(`keeps every Latin letter (õ ä ö å ij š ž) in ${lang}`, async () => {
      const { input, missing } = policeInput(lang, [
        conversation({ messages: [message(0, { body: LATIN }), message(1)], topic: `Aihe ${LATIN}` }),
      ]);
      const { text } = await pdfText(await renderPolice(input));
      for (const ch of ["õ", "ä", "ö", "å", "ü", "ij", "š", "ž"]) expect(text, `${lang} ${ch}`).to.include(ch);
      expect(text, lang).to.include("Tukipiste ry – Hjälp & Stöd");
      expect([...missing], lang).to.deep.equal([]);
    });
  }

  it("puts 'page X of Y', the code and the fingerprint on every page of a long transcript", async () => {
    const messages = Array.from({ length: 140 }, (_, i) =>
      message(i, { body: `Message ${i}: ${LATIN} `.repeat(1 + (i % 4)) }),
    );
    const { input } = policeInput("en", [
      conversation({ id: "conv-a", messages: messages.slice(0, 70) }),
      conversation({ id: "conv-b", messages: messages.slice(70), statements: [] }),
    ]);
    const { pages } = await pdfText(await renderPolice(input));
    expect(pages.length).to.be.at.least(3);
    pages.forEach((page, i) => {
      const flat = squash(page);
      expect(flat, `page ${i + 1}`).to.include(squash(`Page ${i + 1} of ${pages.length}`));
      expect(flat, `page ${i + 1}`).to.include(SHA);
      expect(flat, `page ${i + 1}`).to.include("K7Q2-M9XD");
      expect(flat, `page ${i + 1}`).to.include(squash("https://rightsdesk.example/verify"));
    });
    const all = squash(pages.join("\n"));
    // Cover block: each conversation by its date and topic (never its id), and the total message count.
    expect(all).to.not.include("conv-a");
    expect(all).to.not.include("conv-b");
    expect(all.split(squash("Conversation of Monday, 11 March 2024: School bullying")).length - 1, "cover and page of each").to.equal(4);
    expect(all).to.include(squash("Total number of messages: 140"));
    // Closing statement comes last.
    expect(squash(pages[pages.length - 1] ?? "")).to.include(squash("Statement of completeness and authenticity"));
  });

  it("shows each message with date, time in the time zone and the sender role", async () => {
    const { input } = policeInput("en", [conversation({ messages: [0, 1, 2, 3].map((i) => message(i)) })]);
    const { text } = await pdfText(await renderPolice(input));
    const expected = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Tallinn",
      dateStyle: "medium",
      timeStyle: "medium",
    }).format(new Date(Date.UTC(2024, 2, 10, 22, 30, 1)));
    expect(squash(text)).to.include(squash(`${expected} · Chat worker`));
    expect(squash(text)).to.include(squash("Participant A (Other participant)"));
    expect(squash(text)).to.include(squash("I want to add: it happened twice."));
  });

  it("passes hostile text through as plain text", async () => {
    const { input } = policeInput("en", [conversation({ messages: [message(0, { body: XSS })] })]);
    const { text } = await pdfText(await renderPolice(input));
    expect(text).to.include(XSS);
  });

  it("marks control and bidi override characters in messages, labels, topic and statements", async () => {
    const conv = conversation({
      topic: `topic ${HOSTILE}`,
      messages: [message(0, { body: `body ${HOSTILE}`, senderLabel: `label ${HOSTILE}` })],
      statements: [{ createdAt: new Date(Date.UTC(2024, 3, 2)), body: `statement ${HOSTILE}` }],
    });
    const { input } = policeInput("en", [conv]);
    const pdf = await renderPolice({ ...input, orgName: `org ${HOSTILE}` });
    const { text } = await pdfText(pdf);
    expect(text).not.to.match(FORBIDDEN);
    for (const where of ["topic", "body", "label", "statement", "org"]) expect(squash(text), where).to.include(squash(`${where} pay\uFFFDme`));
  });

  it("sets Title, Producer and CreationDate, and renders byte-for-byte deterministically", async () => {
    const { input } = policeInput("nl", [conversation()]);
    const first = await renderPolice(input);
    const second = await renderPolice(input);
    expect(first.equals(second)).to.equal(true);
    const parser = new PDFParse({ data: new Uint8Array(first) });
    try {
      const info = await parser.getInfo();
      expect(info.info?.Producer).to.equal("Rightsdesk");
      expect(String(info.info?.Title)).to.include("RD-2024-0042");
      expect(info.getDateNode().CreationDate?.getTime()).to.equal(input.issuedAt.getTime());
    } finally {
      await parser.destroy();
    }
  });

  it("rejects instead of emitting a half-built document when rendering fails", async () => {
    const { input } = policeInput("en", [conversation()]);
    const t: TranscriptContext["t"] = (key, vars) => {
      if (key === "exports.pdf.completenessHeading") throw new Error("boom");
      return input.t(key, vars);
    };
    let error: unknown;
    try {
      await writePoliceTranscriptPdf({ ...input, t }, new Collector());
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal("boom");
  });

  it("resolves only after the output stream has finished", async () => {
    const { input } = policeInput("et", [conversation()]);
    const out = new Collector();
    let finished = false;
    out.on("finish", () => (finished = true));
    await writePoliceTranscriptPdf(input, out);
    expect(finished).to.equal(true);
    expect(out.buffer.subarray(0, 5).toString()).to.equal("%PDF-");
    expect(out.buffer.subarray(-6).toString()).to.include("%%EOF");
  });
});
