/**
 * De-identification for research excerpts: the redaction engine, run stricter than for an access
 * copy. Nobody's data is "own" here, so the chatter's names and addresses go too; every name the
 * engine recognizes anywhere in the export (and the name-like parts of e-mail addresses, handles
 * and links) becomes a known name everywhere in it, which catches a name in a chat where nothing
 * around it gave it away; handles after a platform's name, receipt codes and IP addresses typed
 * into a chat are removed as well, dates in the text coarsened to the month. Counsellors become "[counsellor]", everyone else "[person]".
 * Pure: the export feeds it text in two passes (learn, then deidentify).
 */
import { createDetector, type Detector } from "../redaction/detect-entities.js";
import { lexicons } from "../redaction/lexicon/lexicon.js";
import type { Entity, EntityKind, KnownPerson, RedactionLanguage } from "../redaction/types.js";
import { applyRedactions } from "../redaction/apply-redactions.js";

const PLACEHOLDER: Record<EntityKind, string> = {
  person: "[person]", phone: "[phone]", email: "[email]", address: "[address]", national_id: "[id number]", url: "[link]", handle: "[handle]",
};
const EXTRA_PLACEHOLDER = { handle: "[handle]", code: "[code]", ip: "[ip address]" } as const;

const LETTER_RUN = /\p{L}{3,}/gu;
/** Parts of addresses and links that are never names. */
const NOT_NAME_PARTS = new Set(["www", "com", "net", "org", "http", "https", "blogspot", "gmail", "hotmail", "outlook", "icloud", "live", "yahoo", "luukku", "suomi", "kolumbus", "telia", "bredband", "btinternet", "instagram", "tiktok", "facebook", "twitter", "reddit", "snapchat", "discord", "youtube", "twitch", "official", "gamer", "its", "lol", "the", "real", "punkt", "punt", "piste", "dot", "snabel", "apenstaartje", "kukkumuna", "miukumauku", "täpp"]);

/** "discord xxmikaxx", "min snap är liamyy", "insta: @x": the word after a platform is its handle. */
const PLATFORM_HANDLE = /\b(?:discord|snap(?:chat)?|insta(?:gram)?|tiktok|kik|telegram|steam|psn|xbox|twitch|fortnite|roblox|wickr|signal)\b[\s:]*(?:(?:on|is|är|er|ist|is|heet|on|nimi|name)\s+)?(@?[\p{L}\p{N}_.-]{3,})/giu;
/** Receipt codes as the portal shows them (four groups of four base-32 symbols). */
const RECEIPT_CODE = /\b[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}\b/giu;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
/** Dates typed into a chat are coarsened to the month like the excerpts' own: 2023-11-02 → 2023-11, 2.11.2023 → 11/2023. */
const ISO_DATE = /\b(\d{4})-(\d{1,2})-\d{1,2}\b/g;
const DMY_DATE = /\b\d{1,2}[./-](\d{1,2})[./-](\d{4})\b/g;
const IPV6 = /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi;

function isFunctionWord(word: string): boolean {
  return Object.values(lexicons).some((x) => x.stopwords.has(word) || x.cueWords.has(word));
}

type Span = { start: number; end: number; marker: string };

function extraSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(PLATFORM_HANDLE)) {
    const handle = m[1]!;
    if (isFunctionWord(handle.toLowerCase())) continue;
    const start = m.index + m[0].length - handle.length;
    spans.push({ start, end: start + handle.length, marker: EXTRA_PLACEHOLDER.handle });
  }
  for (const m of text.matchAll(RECEIPT_CODE)) if (/\d/.test(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, marker: EXTRA_PLACEHOLDER.code });
  for (const re of [IPV4, IPV6]) for (const m of text.matchAll(re)) spans.push({ start: m.index, end: m.index + m[0].length, marker: EXTRA_PLACEHOLDER.ip });
  for (const m of text.matchAll(ISO_DATE)) spans.push({ start: m.index, end: m.index + m[0].length, marker: `${m[1]}-${m[2]!.padStart(2, "0")}` });
  for (const m of text.matchAll(DMY_DATE)) spans.push({ start: m.index, end: m.index + m[0].length, marker: `${m[1]!.padStart(2, "0")}/${m[2]}` });
  return spans;
}

export class ResearchDeidentifier {
  private readonly learned = new Set<string>();
  private firstPass?: Detector;
  private secondPass?: Detector;

  /** Everyone the platform named in the export's conversations: counsellors, participants, chatters. */
  constructor(private readonly known: KnownPerson[]) {}

  private learningDetector(): Detector {
    this.firstPass ??= createDetector({ knownNames: { requester: [], others: this.known } });
    return this.firstPass;
  }

  /** Pass 1: remembers every name the engine finds, and the name-like parts of addresses and links. */
  learn(text: string, language: RedactionLanguage): void {
    for (const e of this.learningDetector().detect(text, language)) {
      if (e.kind === "person") for (const word of e.text.split(/\s+/)) this.remember(word.replace(/['’]s?$/u, ""));
      if (e.kind === "email" || e.kind === "handle" || e.kind === "url") {
        const local = e.kind === "email" ? e.text.split(/@|\s(?:at|ät)\s|\(at\)|\[at\]/iu)[0]! : e.text;
        for (const part of local.match(LETTER_RUN) ?? []) this.remember(part);
      }
    }
    this.secondPass = undefined;
  }

  private remember(word: string): void {
    const lower = word.toLowerCase();
    if (lower.length < 3 || NOT_NAME_PARTS.has(lower) || isFunctionWord(lower)) return;
    this.learned.add(lower);
  }

  private detector(): Detector {
    if (!this.secondPass) {
      const knownLower = new Set(this.known.map((k) => k.name.toLowerCase()));
      const learned = [...this.learned].filter((n) => !knownLower.has(n)).map((name) => ({ name, role: "participant" }));
      this.secondPass = createDetector({ knownNames: { requester: [], others: [...this.known, ...learned] } });
    }
    return this.secondPass;
  }

  /** Pass 2: the text with every identifier replaced by a placeholder, counsellors by their role. */
  deidentify(text: string, language: RedactionLanguage): string {
    const spans: Span[] = this.detector().detect(text, language).map((e) => ({ start: e.start, end: e.end, marker: placeholderOf(e) }));
    spans.push(...extraSpans(text));
    return spans.length === 0 ? text : applyRedactions(text, spans, (s) => s.marker);
  }
}

function placeholderOf(e: Entity): string {
  if (e.kind === "person" && e.role === "counsellor") return "[counsellor]";
  return PLACEHOLDER[e.kind];
}

/** A date coarsened to its month (UTC), e.g. "2026-01". */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}
