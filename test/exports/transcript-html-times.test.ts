/**
 * The HTML transcript formats each message's day and clock time once per minute and splices the
 * seconds in (render/transcript-html.ts). It must read exactly as formatting every message in
 * full would: every locale, zones with half- and quarter-hour offsets, across DST changes.
 */
import { expect } from "chai";
import fc from "fast-check";
import { formatDate, formatTime, renderTranscriptHtml, type TranscriptMessage } from "../../src/exports/render/transcript-html.js";
import { escapeHtml } from "../../src/platform/text.js";
import { translator } from "../../src/platform/i18n.js";
import { intlLocale } from "../../src/exports/time.js";

const LOCALES = ["en", "fi", "sv", "nl", "et"] as const;
const ZONES = ["Europe/Helsinki", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"];
// 2024 and 2025, both sides of every DST change in those zones.
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2026, 0, 1);

/** Headings and times in document order, as the page shows them. */
function daysAndTimes(html: string): string[] {
  return [...html.matchAll(/<h3>([^<]*)<\/h3>|<time datetime="([^"]*)">([^<]*)<\/time>/g)].map((m) => (m[1] !== undefined ? `day ${m[1]}` : `time ${m[2]} ${m[3]}`));
}

function expected(messages: TranscriptMessage[], locale: string, timeZone: string): string[] {
  const out: string[] = [];
  let day = "";
  for (const m of messages) {
    const d = formatDate(m.sentAt, locale, timeZone);
    if (d !== day) out.push(`day ${escapeHtml(d)}`);
    day = d;
    out.push(`time ${m.sentAt.toISOString()} ${escapeHtml(formatTime(m.sentAt, locale, timeZone))}`);
  }
  return out;
}

describe("exports: HTML transcript times", () => {
  it("shows every message's day, time and instant as full formatting does, in each locale and zone", () => {
    const instants = fc.array(fc.integer({ min: FROM, max: TO }), { minLength: 1, maxLength: 60 });
    // Runs of messages seconds apart (the common case) as well as scattered ones.
    const bursts = fc.tuple(fc.integer({ min: FROM, max: TO }), fc.array(fc.integer({ min: 0, max: 90_000 }), { minLength: 1, maxLength: 60 }))
      .map(([start, gaps]) => gaps.map((_, i) => start + gaps.slice(0, i + 1).reduce((a, b) => a + b, 0)));
    fc.assert(
      fc.property(fc.oneof(instants, bursts), fc.constantFrom(...LOCALES), fc.constantFrom(...ZONES), (times, lang, timeZone) => {
        const sorted = [...times].sort((a, b) => a - b);
        const messages: TranscriptMessage[] = sorted.map((ms) => ({ sentAt: new Date(ms), senderRole: "subject", senderLabel: "You", body: "hi" }));
        const locale = intlLocale(lang);
        const html = renderTranscriptHtml(
          { id: "c", topic: null, startedAt: messages[0]!.sentAt, endedAt: null, messages, statements: [] },
          { orgName: "Org", reference: "R-1", timeZone, locale, t: translator(lang) },
        );
        expect(daysAndTimes(html.slice(html.indexOf("<main>")))).to.deep.equal(expected(messages, locale, timeZone));
      }),
      { numRuns: 300 },
    );
  });

  it("captions each sender as before: a label that is its role is not repeated, others get the role", () => {
    const t = translator("en");
    const at = new Date(Date.UTC(2025, 5, 1, 9, 0, 5));
    const messages: TranscriptMessage[] = [
      { sentAt: at, senderRole: "worker", senderLabel: t("exports.transcript.role.worker"), body: "a" },
      { sentAt: at, senderRole: "other", senderLabel: "Participant <A>", body: "b" },
      { sentAt: at, senderRole: "other", senderLabel: "Participant <A>", body: "c & d" },
    ];
    const html = renderTranscriptHtml({ id: "c", topic: null, startedAt: at, endedAt: null, messages, statements: [] }, { orgName: "Org", reference: "R", timeZone: "UTC", locale: "en-GB", t });
    const items = [...html.matchAll(/<li class="msg[^"]*">(.*?)<\/li>/g)].map((m) => m[1]);
    expect(items).to.deep.equal([
      `<span class="who">Chat worker</span> <time datetime="2025-06-01T09:00:05.000Z">09:00:05</time><p class="body">a</p>`,
      `<span class="who">Participant &lt;A&gt;</span> <span class="role">(${escapeHtml(t("exports.transcript.role.other"))})</span> <time datetime="2025-06-01T09:00:05.000Z">09:00:05</time><p class="body">b</p>`,
      `<span class="who">Participant &lt;A&gt;</span> <span class="role">(${escapeHtml(t("exports.transcript.role.other"))})</span> <time datetime="2025-06-01T09:00:05.000Z">09:00:05</time><p class="body">c &amp; d</p>`,
    ]);
  });
});
