/**
 * Street addresses and postcodes. Street-type endings are distinctive per language (Finnish
 * "-katu/-tie/-kuja", Swedish "-gatan/-vägen", Dutch "-straat/-laan", Estonian "tänav/mnt/tee",
 * English "Street/Road"), so every pattern runs on every message: a Swedish-speaking child can
 * live on "Mannerheimintie". A street needs a house number; the postcode and city that follow it
 * join the same span. Names are matched case-insensitively because children type in lower case.
 */
import type { Entity } from "./types.js";

const W = String.raw`\p{L}[\p{L}\-]{0,39}`; // one word of a street name (compounds are one word)

// Finnish street types with the case forms a child uses ("asun Koulukadulla 5").
const FI_TYPES = [
  "katu", "kadu(?:lla|lle|lta|n)", "katua", "tie", "tie(?:llä|lle|ltä|n|tä)", "kuja", "kuja(?:lla|lle|lta|n|a)", "polku", "polu(?:lla|lle|lta|n)",
  "raitti", "raiti(?:lla|lle|n)", "kaari", "kaare(?:lla|lle|n)", "rinne", "rintee(?:llä|lle|n)", "väylä", "väylä(?:llä|lle|n)", "ranta", "ranna(?:lla|lle|n)",
  "aukio", "aukio(?:lla|lle|n)", "tori", "tori(?:lla|lle|n)", "mäki", "mäe(?:llä|lle|n)", "piha", "piha(?:lla|lle|n)", "kaarre", "kaartee(?:lla|lle|n)", "portti", "porti(?:lla|lle|n)", "puistotie",
].join("|");
const FI_NUMBER = String.raw`\d{1,4}(?:\s?[a-h](?![\p{L}])(?:\s?\d{1,3})?|\s?-\s?\d{1,3})?(?:\s?(?:as\.?|asunto|bs)\s?\d{1,3})?`;
const POSTCODE_CITY = String.raw`(?:,?\s{1,3}\d{5}\s{1,3}\p{L}{2,30})`;
const SE_POSTCODE_CITY = String.raw`(?:,?\s{1,3}\d{3}\s?\d{2}\s{1,3}\p{L}{2,30})`;
const NL_POSTCODE_CITY = String.raw`(?:,?\s{1,3}[1-9]\d{3}\s?[A-Za-z]{2}(?:\s{1,3}\p{Lu}[\p{L}\-']{1,30})?)`;

// Each pattern first looks ahead for a house number after the street word, so the suffix
// alternation runs only on words that have one.
const FI = new RegExp(String.raw`(?<![\p{L}\p{N}])(?=[\p{L}\-]{2,40}\s{1,3}\d)(?:${W}(?:${FI_TYPES}))\s{1,3}${FI_NUMBER}${POSTCODE_CITY}?(?![\p{L}\p{N}])`, "giu");

const SV = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?=[\p{L}\-]{2,40}\s{1,3}\d)${W}(?:gatan|gata|vägen|väg|gränd(?:en)?|torget|stigen|allén|backen|leden|stråket|platsen|kajen|plan)\s{1,3}\d{1,4}(?:\s?[a-h](?![\p{L}])(?:\s?\d{1,3})?)?(?:,?\s{0,3}(?:lgh|lägenhet)\s?\d{1,4})?(?:${SE_POSTCODE_CITY}|${POSTCODE_CITY})?(?![\p{L}\p{N}])`,
  "giu",
);

const NL_PREFIX = String.raw`(?:(?:van|de|der|den|het|'t|sint|st\.?|burgemeester|prins|prinses|koningin|koning|graaf|dokter|dr\.?|pieter|jan|willem|johan|oude|nieuwe|korte|lange|hoge|lage|groot|klein|noord|zuid|oost|west)\s{1,2}){0,3}`;
const NL = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?=(?:[\p{L}'.\-]{1,40}\s{1,2}){1,4}\d)${NL_PREFIX}${W}(?:straat|weg|laan|plein|gracht|kade|singel|dijk|pad|hof|steeg|dreef|plantsoen|markt|boulevard|erf|baan|straatweg|wal|haven|park)\s{1,3}\d{1,4}(?:\s?[a-z](?![\p{L}])|\s?-\s?\d{1,3}|\s(?:bis|hs|huis|I{1,3})(?![\p{L}]))?${NL_POSTCODE_CITY}?(?![\p{L}\p{N}])`,
  "giu",
);

const ET_NOT_STREET_WORD = new Set(["ma", "mina", "sa", "sina", "ta", "tema", "me", "meie", "te", "teie", "nad", "nemad", "ära", "ei", "kas", "ja", "et", "siis", "kui", "mida", "seda", "see", "üks", "kaks", "pool", "on", "oli", "ka", "veel", "juba", "nüüd", "täna", "homme", "eile"]);

// Compounds that end like a street but are words ("ik ben onderweg 5 min").
const NL_NOT_STREETS = /^(?:onderweg|halfweg|halverwege|loopbaan|speelpark|pretpark|zwembad|fietspad|wandelpad)\s/iu;

const ET = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?=[\p{L}\-]{1,40}\s{1,2}[\p{L}.]{2,10}\s{0,2}\d)(${W})\s{1,2}(?:tänav|tänaval|tn\.?|mnt\.?|maantee|maanteel|tee|teel|puiestee|puiesteel|pst\.?|põik|väljak|plats|allee)\s{0,2}\d{1,4}[a-h]?(?:\s?[-–/]\s?\d{1,3})?(?:,?\s{0,3}(?:korter|k\.?)\s?\d{1,3})?${POSTCODE_CITY}?(?![\p{L}\p{N}])`,
  "giu",
);

const EN_TYPES = "street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|crescent|cres|terrace|gardens|grove|square|sq|hill|row|walk|mews|park";
const UK_POSTCODE = String.raw`(?:,?\s{1,3}(?:\p{L}{2,30},?\s{1,3})?[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})`;
const EN = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:(?:flat|apt|apartment|unit)\s?\d{1,4}[a-z]?,?\s{1,3})?\d{1,4}[a-z]?,?\s{1,3}((?:${W}\s{1,2}){1,3})(?:${EN_TYPES})\.?(?![\p{L}\p{N}])${UK_POSTCODE}?`,
  "giu",
);
// Words that make "2 on the way" or "3 kids in the park" a phrase, not an address.
const EN_NOT_STREET_WORD = new Set(["the", "a", "an", "on", "in", "of", "to", "my", "his", "her", "their", "our", "your", "at", "by", "is", "was", "are", "and", "or", "more", "times", "days", "weeks", "hours", "minutes", "kids", "people", "friends", "of", "all", "other", "whole", "long", "way", "min", "mins", "minute", "minutes", "sec", "km", "mile", "miles", "hour", "day", "week", "year", "years", "time", "step", "steps", "bus", "train", "that", "this", "every", "per", "no", "yes", "me", "him", "them", "us", "you", "i", "it"]);

// A postcode with its city on its own ("00100 Helsinki", "114 55 Stockholm", "1234 AB Utrecht", "SW1A 1AA").
const POSTCODES = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}])\d{5}\s{1,3}\p{Lu}\p{Ll}{2,30}(?![\p{L}\p{N}])`,
    String.raw`(?<![\p{L}\p{N}])\d{3}\s\d{2}\s{1,3}\p{Lu}\p{Ll}{2,30}(?![\p{L}\p{N}])`,
    String.raw`(?<![\p{L}\p{N}])[1-9]\d{3}\s?[A-Z]{2}(?:\s{1,3}\p{Lu}[\p{L}\-']{1,30})?(?![\p{L}\p{N}])`,
    String.raw`(?<![\p{L}\p{N}])[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}(?![\p{L}\p{N}])`,
  ].join("|"),
  "gu",
);
// Capitalized words that follow a five-digit figure without being a city ("12000 Euroa").
const NOT_CITIES = new Set(["euroa", "euro", "euros", "eur", "kronor", "kr", "sek", "eurot", "eurot", "dollars", "pounds", "points", "pistettä", "poäng", "punten", "punkti", "steps", "askelta", "steg", "stappen", "sammu", "followers", "seuraajaa", "följare", "volgers", "jälgijat", "views", "likes", "km", "kg"]);

// Where a street address can be: a word next to a house number ("Koulukatu 5", "12 Baker Street").
const ANCHOR = /\p{L}\.?\s{1,3}\d|\d[a-zA-Z]?,?\s{1,3}\p{L}/gu;
const REACH = 90; // the longest street name with its prefixes and number fits in this many characters

/**
 * The street patterns try every word start, so they run only on windows around anchors (cut at
 * white space, so the patterns' own boundaries still hold): a long note with one address costs
 * one short scan, not one per word.
 */
function windows(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of text.matchAll(ANCHOR)) {
    let start = Math.max(0, m.index - REACH);
    let end = Math.min(text.length, m.index + REACH);
    while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
    while (end < text.length && !/\s/.test(text[end]!)) end++;
    const previous = out.at(-1);
    if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], end);
    else out.push([start, end]);
  }
  return out;
}

export function detectAddresses(text: string): Entity[] {
  if (!/\d/.test(text)) return [];
  const found: Entity[] = [];
  const seen = new Set<number>();
  for (const [from, to] of windows(text)) scanStreets(text.slice(from, to), from, found, seen);
  scanPostcodes(text, found);
  return found;
}

function scanStreets(text: string, offset: number, found: Entity[], seen: Set<number>): void {
  const push = (start: number, value: string, confidence: number) => {
    if (seen.has(offset + start)) return;
    seen.add(offset + start);
    found.push({ kind: "address", start: offset + start, end: offset + start + value.trimEnd().length, text: value.trimEnd(), confidence, source: "pattern" });
  };
  for (const re of [FI, SV]) for (const m of text.matchAll(re)) push(m.index, m[0], 0.85);
  for (const m of text.matchAll(ET)) {
    // "tee" is also "do": "ma tee 2 tundi" is no street.
    if (ET_NOT_STREET_WORD.has((m[1] ?? "").toLowerCase())) continue;
    push(m.index, m[0], 0.85);
  }
  for (const m of text.matchAll(NL)) {
    // "op de Kerkstraat 12": the article is not part of the name (but "Burgemeester de Vlugtlaan" keeps its "de").
    const article = /^(?:de|het|'t)\s{1,2}/.exec(m[0]);
    const street = m[0].slice(article?.[0].length ?? 0);
    if (NL_NOT_STREETS.test(street)) continue;
    push(m.index + (article?.[0].length ?? 0), street, 0.85);
  }
  for (const m of text.matchAll(EN)) {
    const words = (m[1] ?? "").trim().toLowerCase().split(/\s+/);
    if (words.some((w) => EN_NOT_STREET_WORD.has(w))) continue;
    push(m.index, m[0], 0.8);
  }
}

function scanPostcodes(text: string, found: Entity[]): void {
  for (const m of text.matchAll(POSTCODES)) {
    const city = m[0].split(/\s+/).pop()!.toLowerCase();
    if (NOT_CITIES.has(city)) continue;
    found.push({ kind: "address", start: m.index, end: m.index + m[0].length, text: m[0], confidence: 0.75, source: "pattern" });
  }
}
