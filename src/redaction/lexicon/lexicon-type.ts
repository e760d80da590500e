/** What a name lexicon of one language holds (lexicon.ts compiles them). */
export interface Lexicon {
  /** Given names, capitalized, space-separated. */
  firstNames: string;
  /** Lower-case names that are also common words: they need capital letters mid-sentence or a cue. */
  ambiguous: string;
  /** Words after which the next word is probably a name ("kaveri", "kompis", "vriend", "sõber", "friend"). */
  cueWords: string;
  /** Words that are not names, even after a cue ("mun kaveri sanoi"). */
  stopwords: string;
  /** Inflected name forms that are common words of this language ("sama" is not Sam in Estonian). */
  notNames: string;
}
