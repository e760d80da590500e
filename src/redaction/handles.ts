/**
 * Social media handles: "@name", Reddit's "u/name", Discord's "name#1234", and a name given after
 * a platform cue ("my insta is xyz", "mun snäppi on xyz", "min snap är xyz", "mijn insta is xyz",
 * "mu insta on xyz"). After a cue the next word counts only when it looks like a handle (a digit,
 * "_" or "." inside, a leading "@") or ends the clause, so "sen insta on tosi outo" is left alone.
 */
import type { Entity } from "./types.js";

const AT_HANDLE = /(?<![\p{L}\p{N}._%+\-@/])@[\p{L}\p{N}_](?:[\p{L}\p{N}_.]{0,29}[\p{L}\p{N}_])?(?![\p{L}\p{N}_@]|\.[\p{L}])/gu;
const REDDIT = /(?<![\p{L}\p{N}/])u\/[A-Za-z0-9_\-]{3,20}(?![A-Za-z0-9_\-])/gu;
const DISCORD = /(?<![\p{L}\p{N}_.#])[\p{L}\p{N}_.]{2,32}#\d{4}(?!\d)/gu;

// Inflected forms only for the longer names ("instassa", "snäpissä"): "sc" + letters is "school".
const PLATFORM = String.raw`(?:(?:insta(?:gram)?|snap(?:chat)?|snäp|tiktok|discord|telegram|twitter|twitch|youtube|reddit|bereal)\p{L}{0,6}|ig|sc|tt|dc|tg|yt|kik|psn|xbox|gamertag)`;
const COPULA = String.raw`(?:is|on|är|e|ist|heet|naam|nimi|name|username|user|id|account|tili|konto|kasutaja(?:nimi)?|gamertag|ook|myös|också|ka|also|just|vaan|bara|gewoon|lihtsalt|nyt|nu|nüüd|now)`;
// Group 1: an explicit link (":" or a copula); without one only a handle-shaped word counts.
const CUE = new RegExp(
  String.raw`(?<![\p{L}\p{N}])${PLATFORM}(?:(\s*[:=\-]\s*|\s+(?:${COPULA}\s*[:=]?\s+){1,3})|\s+)(@?)([\p{L}\p{N}_][\p{L}\p{N}_.]{1,29})`,
  "giu",
);
const HANDLE_SHAPE = /[\d_.]/u;
// Words after which a bare word still ends the clause ("add me on snap emmak pls").
const CLAUSE_END = /^(?:$|[\s]*(?:[.,!?;:)\]…]|\p{Extended_Pictographic}|\n|(?:pls|plz|please|plis|kiitos|kiitti|thx|thanks|tack|dank|bedankt|aitäh|ok|okei|jooko|ja|and|och|en|või|or|tai|eller|of)\b))/iu;
const NOT_HANDLES = new Set([
  "private", "privat", "privé", "privaatne", "yksityinen", "down", "gone", "banned", "hacked", "deleted", "poistettu", "suljettu", "borttaget", "borta", "weg", "verwijderd", "kustutatud", "kinni", "auki", "open", "closed",
  "the", "a", "my", "his", "her", "their", "mun", "sen", "sun", "min", "hans", "hennes", "mijn", "zijn", "haar", "mu", "tema", "ta", "se", "on", "is", "är", "ist", "ja", "and", "och", "en", "too", "myös", "också", "ook", "ka", "also", "me", "mä", "mie", "jag", "ik", "ma", "not", "ei", "inte", "niet", "pole", "no", "nej", "nee", "yes", "joo", "ja", "jah", "ok", "okei", "weird", "outo", "konstig", "raar", "imelik", "same", "sama", "samma", "zelfde", "new", "uus", "ny", "nieuw", "uusi", "old", "vanha", "gammal", "oud", "vana", "tosi", "really", "helt", "echt", "väga", "kans", "kanssa", "with", "med", "met", "koos",
]);

export function normalizeHandle(value: string): string {
  return value.trim().replace(/^@/, "").toLowerCase();
}

export function detectHandles(text: string): Entity[] {
  const found: Entity[] = [];
  const push = (start: number, value: string, confidence: number, source: Entity["source"]) =>
    found.push({ kind: "handle", start, end: start + value.length, text: value, confidence, source });
  if (text.includes("@")) for (const m of text.matchAll(AT_HANDLE)) push(m.index, m[0], 0.9, "pattern");
  if (text.includes("u/")) for (const m of text.matchAll(REDDIT)) push(m.index, m[0], 0.9, "pattern");
  if (text.includes("#")) for (const m of text.matchAll(DISCORD)) push(m.index, m[0], 0.9, "pattern");
  for (const m of text.matchAll(CUE)) {
    const linked = Boolean(m[1]);
    const at = m[2] ?? "";
    const raw = m[3] ?? "";
    const word = raw.replace(/\.+$/, "");
    if (at) continue; // already found as "@name"
    if (word.length < 3 || NOT_HANDLES.has(word.toLowerCase())) continue;
    const start = m.index + m[0].length - raw.length;
    const after = text.slice(start + word.length, start + word.length + 12);
    if (!HANDLE_SHAPE.test(word) && !(linked && CLAUSE_END.test(after))) continue;
    push(start, word, 0.75, "context");
  }
  return found;
}
