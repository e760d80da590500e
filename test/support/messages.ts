/** Reading catalog messages as t() does: plain `{name}` placeholders, or ICU plurals and selects. */
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { ICU_ARGUMENT, type Locale } from "../../src/platform/i18n.js";

export function placeholders(text: string): string[] {
  if (!ICU_ARGUMENT.test(text)) return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const e of elements) {
      if ("value" in e && e.type !== TYPE.literal && typeof e.value === "string") names.add(e.value);
      if ("options" in e) for (const option of Object.values(e.options)) walk(option.value);
    }
  };
  walk(parse(text, { ignoreTag: true }));
  return [...names].sort();
}

/**
 * What is wrong with a message's plurals in `locale`: it does not parse, or a plural lacks a form
 * the language's plural rules use (CLDR, through Intl.PluralRules).
 */
export function pluralProblems(text: string, locale: Locale): string[] {
  if (!ICU_ARGUMENT.test(text)) return /\p{L}\((?:\p{L}{1,3}|’s)\)/u.test(text) ? ["a count written with a bracketed ending instead of a plural"] : [];
  let elements: MessageFormatElement[];
  try {
    elements = parse(text, { ignoreTag: true });
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`];
  }
  const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
  const problems: string[] = [];
  const walk = (list: MessageFormatElement[]) => {
    for (const e of list) {
      if (e.type === TYPE.plural) {
        const missing = needed.filter((c) => !(c in e.options));
        if (missing.length) problems.push(`{${e.value}} lacks the forms ${missing.join(", ")}`);
      }
      if ("options" in e) for (const option of Object.values(e.options)) walk(option.value);
    }
  };
  walk(elements);
  return problems;
}
