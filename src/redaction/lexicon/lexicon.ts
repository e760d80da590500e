/**
 * First-name lexicons per language, as Sets built once at load. Each language file is a compact
 * curated list (no name list package on the registry covers fi/sv/nl/et; the @stdlib English
 * lists would add megabytes for one language), kept in this folder so a reviewer can read it.
 */
import type { RedactionLanguage } from "../types.js";
import type { Lexicon } from "./lexicon-type.js";
import { en } from "./en.js";
import { et } from "./et.js";
import { fi } from "./fi.js";
import { nl } from "./nl.js";
import { sv } from "./sv.js";


export interface CompiledLexicon {
  firstNames: Set<string>; // lower case
  ambiguous: Set<string>;
  cueWords: Set<string>;
  stopwords: Set<string>;
  notNames: Set<string>;
}

const words = (list: string) => list.split(/\s+/).filter(Boolean).map((w) => w.toLocaleLowerCase());

function compile(lexicon: Lexicon): CompiledLexicon {
  return {
    firstNames: new Set(words(lexicon.firstNames)),
    ambiguous: new Set(words(lexicon.ambiguous)),
    cueWords: new Set(words(lexicon.cueWords)),
    stopwords: new Set(words(lexicon.stopwords)),
    notNames: new Set(words(lexicon.notNames)),
  };
}

export const lexicons: Record<RedactionLanguage, CompiledLexicon> = {
  fi: compile(fi),
  sv: compile(sv),
  nl: compile(nl),
  et: compile(et),
  en: compile(en),
};
