/** Web addresses: with a scheme, starting with "www.", or a bare domain with a common top-level domain. */
import type { Entity } from "./types.js";

const TLDS = "com|net|org|info|fi|se|nl|ee|eu|io|me|gg|ly|co|uk|tv|app|be|de|dk|no|lv|lt|ru|xyz|link|to|cc|nu|ai|dev|site|online|shop";
const TAIL = String.raw`(?:[/?#][^\s<>"'\u201c\u201d]{0,2000})?`;
const URL = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}])https?://[^\s<>"'\u201c\u201d]{1,2000}`,
    String.raw`(?<![\p{L}\p{N}@./\-])www\.[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){0,4}${TAIL}`,
    String.raw`(?<![\p{L}\p{N}@._\-/])(?:[\p{L}\p{N}][\p{L}\p{N}\-]{0,62}\.){1,4}(?:${TLDS})(?::\d{1,5})?${TAIL}(?![\p{L}\p{N}\-@])`,
  ].join("|"),
  "giu",
);
const TRAILING = /[.,!?;:'"»”’)\]]+$/u;

export function detectUrls(text: string): Entity[] {
  const found: Entity[] = [];
  if (!text.includes(".")) return found;
  for (const m of text.matchAll(URL)) {
    let value = m[0];
    // Sentence punctuation after a link is not part of it; a closing bracket is, if it was opened inside.
    const trimmed = value.replace(TRAILING, "");
    value = value.endsWith(")") && trimmed.includes("(") ? trimmed + ")" : trimmed;
    if (!/[\p{L}]/u.test(value)) continue;
    found.push({ kind: "url", start: m.index, end: m.index + value.length, text: value, confidence: 0.95, source: "pattern" });
  }
  return found;
}
