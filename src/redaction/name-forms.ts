/**
 * The written forms of a given name or surname: Finnish and Estonian case forms ("Mikalle",
 * "Mikan", "Pekalle", "Eliakselle", "Virtaselle"; "Marile", "Jaaniga", "Toomasele") and the
 * Germanic genitive ("Emmas" in Swedish, "Jans" in Dutch). Forms are generated forwards from the
 * name, so a word only counts if it is what the name becomes, not whatever a stemmer guesses.
 * Generated for every language, because a Swedish chat can name a Finnish friend.
 */

const VOWEL = /[aeiouyäöõü]$/;

function harmonize(stem: string, ending: string): string {
  // Finnish vowel harmony: a back vowel anywhere in the name takes back-vowel endings.
  return /[aou]/.test(stem) ? ending : ending.replace(/a/g, "ä").replace(/o/g, "ö");
}

/** Consonant gradation of a name's weak stem: only geminates weaken in given names (Pekka → Peka-). */
function weakStem(name: string): string {
  return name.replace(/(kk|pp|tt)([aeiouyäö])$/, (_, cc: string, v: string) => cc[0]! + v);
}

const FI_WEAK_ENDINGS = ["n", "lle", "lla", "lta", "ssa", "sta", "ksi", "t", "ni", "nsa", "lleni", "llekin", "nkin", "nkaan", "llakaan"];
const FI_STRONG_ENDINGS = ["a", "na", "ineen", "kin", "kaan", "ko", "han"];
const FI_CONSONANT_ENDINGS = ["n", "lle", "lla", "lta", "ssa", "sta", "ksi", "a", "na", "in", "t", "nkin", "kin"];

function finnishForms(name: string): string[] {
  const forms: string[] = [];
  const add = (stem: string, endings: string[]) => {
    for (const e of endings) forms.push(stem + harmonize(name, e));
  };
  if (name.endsWith("nen") && name.length > 4) {
    // Surnames: Virtanen → Virtasen, Virtaselle, Virtasta, Virtaset (the family).
    const base = name.slice(0, -3);
    add(base + "se", ["n", "lle", "lla", "lta", "ssa", "sta", "ksi", "en", "nkin"]);
    add(base + "s", ["ta", "et", "ille", "illa", "ilta", "ten"]);
    return forms;
  }
  if (VOWEL.test(name)) {
    add(weakStem(name), FI_WEAK_ENDINGS);
    add(name, FI_STRONG_ENDINGS);
    forms.push(name + name.at(-1)! + "n"); // illative: Mikaan, Mikkoon, Anttiin
    return forms;
  }
  if (/[aeiouy]s$/.test(name)) {
    // Elias → Eliaksen, Eliakselle; partitive Eliasta.
    const ks = name.slice(0, -1) + "kse";
    add(ks, ["n", "lle", "lla", "lta", "ssa", "sta", "ksi", "en", "na", "nkin"]);
    add(name, ["ta", "kin"]);
  }
  // Consonant-final names take an -i- stem: Oliver → Oliverin, Oliverille; Mats → Matsin.
  add(name + "i", FI_CONSONANT_ENDINGS);
  forms.push(name + "ia", name + "iin");
  return forms;
}

const ET_ENDINGS = ["", "le", "l", "lt", "ga", "ks", "st", "s", "sse", "ni", "na", "ta", "gi", "ki", "legi", "lgi", "gagi"];

function estonianForms(name: string): string[] {
  const stems = VOWEL.test(name) ? [name] : /s$/.test(name) ? [name + "e", name + "i"] : [name + "i", name + "u", name + "a"];
  // The one gradation common in names: Mart → Mardi, Margit → Margiti stays.
  if (/rt$/.test(name)) stems.push(name.slice(0, -1) + "di");
  const forms: string[] = [name + "t"];
  for (const stem of stems) for (const e of ET_ENDINGS) forms.push(stem + e);
  return forms;
}

/** Which grammar made a form: lower-case names count only in their own language's grammar. */
export type FormGrammar = "base" | "fi" | "et" | "germanic";

/** Every form of one name token, lower case, with the grammar that produced it; the name itself first. */
export function nameForms(name: string): Array<{ form: string; grammar: FormGrammar }> {
  const lower = name.toLowerCase();
  const out = new Map<string, FormGrammar>([[lower, "base"]]);
  if (lower.length < 2) return [{ form: lower, grammar: "base" }];
  const add = (form: string, grammar: FormGrammar) => {
    if (!out.has(form)) out.set(form, grammar);
  };
  for (const f of finnishForms(lower)) add(f, "fi");
  for (const f of estonianForms(lower)) add(f, "et");
  // Emmas (sv), Jans (nl); "Emma's" is matched once the apostrophe is split off.
  if (!lower.endsWith("s")) add(lower + "s", "germanic");
  return [...out].map(([form, grammar]) => ({ form, grammar }));
}
