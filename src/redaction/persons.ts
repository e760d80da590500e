/**
 * Person names. In order of trust:
 *  1. known names the platform sent (participants, counsellors), in all their forms;
 *  2. a given name from a lexicon — capitalized in mid-sentence in any language, at the start of
 *     a sentence only if it is not also a common word, in lower case only in the message's own
 *     language and grammar ("mikalle" in Finnish, not Estonian "sama" from "Sam");
 *  3. the word after a cue ("my brother X", "mun kaveri X", "min kompis X", "mijn vriend X",
 *     "mu sõber X"), unless it is a function word;
 *  4. a capitalized surname shape in mid-sentence ("Virtaselle", "Andersson").
 * A surname (or Dutch "van der X") that follows a name joins its span. The requester's own
 * names are never suggested: they are the requester's own data.
 */
import { lexicons } from "./lexicon/lexicon.js";
import { nameForms, type FormGrammar } from "./name-forms.js";
import type { Entity, EntitySource, KnownNames, RedactionLanguage } from "./types.js";
import { redactionLanguages } from "./types.js";

const TOKEN = /\p{L}[\p{L}\p{M}]*(?:[-'’]\p{L}[\p{L}\p{M}]*)*/gu;
const GRAMMAR: Record<RedactionLanguage, FormGrammar> = { fi: "fi", et: "et", sv: "germanic", nl: "germanic", en: "germanic" };
const SURNAME = /^\p{Lu}\p{Ll}+(?:nen|s(?:en|elle|ella|elta|essa|esta|eksi|ta|et)|sson|son|ström|qvist|kvist|gren|dahl|blad|berg|mägi|mets|ov|ova|ev|eva|enko)$/u;
const PARTICLES = new Set(["van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "von", "af"]);
const BOUNDARY = /[.!?…\n:;]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const CUE_FILLERS = new Set(["called", "named", "som", "heter", "nimeltä", "genaamd", "die", "nimega", "is", "on", "är", "heet"]);

interface LexiconForm {
  languages: Set<RedactionLanguage>;
  grammar: FormGrammar;
  ambiguous: boolean;
}

/**
 * Every form of every lexicon name → where it came from (~100k forms). Built on first use, not at
 * import, so processes that never redact (the job runner, most tests) do not pay for it.
 */
let lexiconForms: Map<string, LexiconForm[]> | undefined;
function lexiconFormsMap(): Map<string, LexiconForm[]> {
  lexiconForms ??= buildLexiconForms();
  return lexiconForms;
}

function buildLexiconForms(): Map<string, LexiconForm[]> {
  const map = new Map<string, LexiconForm[]>();
  const byName = new Map<string, { languages: Set<RedactionLanguage>; ambiguous: boolean }>();
  for (const language of redactionLanguages) {
    const lex = lexicons[language];
    for (const name of lex.firstNames) {
      const entry = byName.get(name) ?? { languages: new Set(), ambiguous: false };
      entry.languages.add(language);
      byName.set(name, entry);
    }
  }
  const ambiguousAnywhere = new Set(redactionLanguages.flatMap((l) => [...lexicons[l].ambiguous]));
  for (const [name, { languages }] of byName) {
    const ambiguous = ambiguousAnywhere.has(name);
    for (const { form, grammar } of nameForms(name)) {
      const list = map.get(form) ?? [];
      list.push({ languages, grammar, ambiguous });
      map.set(form, list);
    }
  }
  return map;
}

const ALL_STOPWORDS = new Set(redactionLanguages.flatMap((l) => [...lexicons[l].stopwords]));

/** "Hanna-Liisile", "Jan-Erik": a double name whose first part is a lexicon name, in its forms. */
function hyphenated(token: Token): LexiconForm[] | undefined {
  const dash = token.lower.indexOf("-");
  if (dash < 2) return undefined;
  const first = lexiconFormsMap().get(token.lower.slice(0, dash));
  const rest = token.value.slice(dash + 1);
  // The second part must look like a name too (capitalized like the first), not "Emma-täti".
  if (!first || rest[0] === undefined || (token.capitalized && rest[0] === rest[0].toLowerCase())) return undefined;
  return first.filter((e) => e.grammar === "base");
}

export interface PersonMatcher {
  detect(text: string, language: RedactionLanguage): Entity[];
}

interface Token {
  start: number;
  end: number;
  possessive: boolean; // "Jack's": an apostrophe ending was cut off
  value: string; // as written, possessive apostrophe cut off
  lower: string;
  capitalized: boolean;
  initial: boolean; // first word of a sentence
}

function isInitial(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t" || ch === '"' || ch === "'" || ch === "(" || ch === "«" || ch === "“" || ch === "*" || ch === "-") {
      i--;
      continue;
    }
    if (BOUNDARY.test(ch)) return true;
    // An emoji (or its surrogate half, or a variation selector) ends a sentence in chat.
    const cp = text.codePointAt(ch >= "\udc00" && ch <= "\udfff" && i > 0 ? i - 1 : i)!;
    return PICTOGRAPH.test(String.fromCodePoint(cp)) || ch === "\ufe0f" || ch === "\u200d";
  }
  return true;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    let value = m[0];
    const apostrophe = value.search(/['’]/);
    if (apostrophe > 0) value = value.slice(0, apostrophe); // Emma's, Zoe'lle
    const first = value[0]!;
    const capitalized = first !== first.toLowerCase() && value !== value.toUpperCase();
    tokens.push({ start: m.index, end: m.index + value.length, possessive: apostrophe > 0, value, lower: value.toLowerCase(), capitalized, initial: isInitial(text, m.index) });
  }
  return tokens;
}

interface Hit {
  start: number;
  end: number;
  confidence: number;
  source: EntitySource;
  role?: string;
}

/** The words of a full name that stand for the person alone: not "de" of "Daan de Vries". */
function nameParts(name: string): string[] {
  return name.split(/[\s,]+/).filter((p) => p.replace(/\./g, "").length >= 2 && !PARTICLES.has(p.toLowerCase()));
}

function knownFormMap(names: KnownNames["others"]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { name, role } of names) {
    const parts = nameParts(name);
    for (const part of [name, ...parts]) for (const { form } of nameForms(part.replace(/\.$/, ""))) if (!map.has(form)) map.set(form, role);
  }
  return map;
}

function requesterForms(names: string[]): Set<string> {
  const set = new Set<string>();
  for (const name of names) for (const part of [name, ...nameParts(name)]) for (const { form } of nameForms(part)) set.add(form);
  return set;
}

export function createPersonMatcher(known: KnownNames = { requester: [], others: [] }): PersonMatcher {
  lexiconFormsMap();
  const others = knownFormMap(known.others);
  const requester = requesterForms(known.requester);

  function lexiconConfidence(token: Token, language: RedactionLanguage): number {
    const entries = lexiconFormsMap().get(token.lower) ?? hyphenated(token);
    if (!entries) return 0;
    const lex = lexicons[language];
    if (lex.notNames.has(token.lower)) return 0;
    if (token.capitalized && !token.initial) return entries.some((e) => !e.ambiguous) ? 0.8 : 0.7;
    const plain = entries.some((e) => !e.ambiguous);
    // "Jack's mum": a capitalized word with a possessive is a name even where it is also a word.
    if (token.capitalized) return plain ? 0.7 : token.possessive ? 0.7 : 0;
    // Lower case: the name must belong to this language (or English, which everyone mixes in),
    // in this language's grammar, and not be a word as well.
    const own = entries.some(
      (e) => !e.ambiguous && (e.languages.has(language) || e.languages.has("en")) && (e.grammar === "base" || e.grammar === GRAMMAR[language]),
    );
    return own ? 0.6 : 0;
  }

  function afterCue(tokens: Token[], k: number, text: string, language: RedactionLanguage): boolean {
    const own = lexicons[language].cueWords;
    for (let back = 1; back <= 2; back++) {
      const prev = tokens[k - back];
      if (!prev) return false;
      // No sentence break between the cue and the name.
      if (BOUNDARY.test(text.slice(prev.end, tokens[k - back + 1]!.start))) return false;
      if (own.has(prev.lower) || lexicons.en.cueWords.has(prev.lower)) return true;
      // "my friend called X", "min kompis som heter X": one filler word may sit between.
      if (!CUE_FILLERS.has(prev.lower)) return false;
    }
    return false;
  }

  function classify(tokens: Token[], k: number, text: string, language: RedactionLanguage): Hit | undefined {
    const token = tokens[k]!;
    if (token.lower.length < 2) return undefined;
    const role = others.get(token.lower);
    if (requester.has(token.lower)) {
      // A known other person who shares the requester's first name counts only with their own surname beside it.
      if (role === undefined) return undefined;
      const ownSurnameBeside = [tokens[k - 1], tokens[k + 1]].some(
        (t) => t !== undefined && (t.end + 1 === token.start || token.end + 1 === t.start) && others.has(t.lower) && !requester.has(t.lower),
      );
      if (!ownSurnameBeside) return undefined;
    }
    if (role !== undefined) return { start: token.start, end: token.end, confidence: 0.95, source: "known", role };
    const lex = lexicons[language];
    const stop = lex.stopwords.has(token.lower) || lexicons.en.stopwords.has(token.lower) || lex.cueWords.has(token.lower);
    const fromLexicon = stop ? 0 : lexiconConfidence(token, language);
    const cue = !stop && afterCue(tokens, k, text, language);
    if (cue) {
      // A lower-case unknown word after a cue is too often a noun ("isän numero", "sõbra ema").
      const confidence = fromLexicon > 0 || lexiconFormsMap().has(token.lower) ? 0.85 : token.capitalized && !ALL_STOPWORDS.has(token.lower) ? 0.75 : 0;
      if (confidence > 0) return { start: token.start, end: token.end, confidence, source: "context" };
    }
    if (fromLexicon > 0) return { start: token.start, end: token.end, confidence: fromLexicon, source: "dictionary" };
    if (token.capitalized && !token.initial && !stop && SURNAME.test(token.value)) return { start: token.start, end: token.end, confidence: 0.6, source: "pattern" };
    return undefined;
  }

  function detect(text: string, language: RedactionLanguage): Entity[] {
    const tokens = tokenize(text);
    const out: Entity[] = [];
    const lex = lexicons[language];
    for (let k = 0; k < tokens.length; k++) {
      const hit = classify(tokens, k, text, language);
      if (!hit) continue;
      // Extend over a surname (and Dutch particles) that follows on the same line: at most four words.
      const last = k + 4;
      let j = k + 1;
      while (j < tokens.length && j <= last) {
        const gap = text.slice(tokens[j - 1]!.end, tokens[j]!.start);
        if (gap !== " ") break;
        const next = tokens[j]!;
        if (PARTICLES.has(next.lower)) {
          const after = tokens[j + 1];
          if (after && text.slice(next.end, after.start) === " " && (PARTICLES.has(after.lower) || after.capitalized)) {
            j++;
            continue;
          }
          break;
        }
        if (requester.has(next.lower) && !others.has(next.lower)) break;
        const nameLike = others.has(next.lower) || (next.capitalized && !lex.stopwords.has(next.lower) && !lexicons.en.stopwords.has(next.lower) && !lex.cueWords.has(next.lower));
        if (!nameLike) break;
        hit.end = next.end;
        if (others.has(next.lower) && hit.source !== "known") {
          hit.source = "known";
          hit.confidence = 0.95;
          hit.role = others.get(next.lower);
        }
        j++;
        k = j - 1;
      }
      out.push({ kind: "person", start: hit.start, end: hit.end, text: text.slice(hit.start, hit.end), confidence: hit.confidence, source: hit.source, ...(hit.role ? { role: hit.role } : {}) });
    }
    return out;
  }

  return { detect };
}
